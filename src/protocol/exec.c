/* SPDX-License-Identifier: MIT */
/*
 * proto_exec_indirect (exec.h): the device core's entry into the command-buffer decoder.
 * Replaces exec_stub.c; built once the core's source list no longer holds the stub.
 * Runs on the protocol worker of the channel.
 */
#include "protocol/exec.h"

#include "protocol/cmdbuf.h"

lagfx_status_t
proto_exec_indirect(struct proto_exec_env *env, const uint8_t *payload, size_t len)
{
    return proto_cmdbuf_exec_xlate(env, payload, len);
}
