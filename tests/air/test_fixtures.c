/* SPDX-License-Identifier: MIT */
/*
 * air-fixtures: every fixture translates, passes SPIRV-Tools validation for Vulkan 1.2 with
 * scalar block layout, and gives identical words from typed-pointer bitcode (read in opaque
 * mode), opaque-pointer bitcode, and typed bitcode read in LLVM's typed mode (spec/air.md
 * §6.4 item 2). Fixtures named *_bad_* must fail with the status in their name instead.
 * args: pairs of TYPED.air OPAQUE.air.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spirv-tools/libspirv.h>

#include "air/air.h"
#include "check.h"

static bool
validate(const char *name, const struct air_result *r)
{
    spv_context ctx = spvContextCreate(SPV_ENV_VULKAN_1_2);
    spv_validator_options o = spvValidatorOptionsCreate();
    spvValidatorOptionsSetScalarBlockLayout(o, true);
    spv_const_binary_t bin = { r->words, r->word_count };
    spv_diagnostic diag = NULL;
    spv_result_t res = spvValidateWithOptions(ctx, o, &bin, &diag);
    if (res != SPV_SUCCESS)
        fprintf(stderr, "%s: spirv-val: %s\n", name, diag ? diag->error : "(no message)");
    spvDiagnosticDestroy(diag);
    spvValidatorOptionsDestroy(o);
    spvContextDestroy(ctx);
    return res == SPV_SUCCESS;
}

static struct air_result *
translate(const char *path, bool typed, enum air_status *st, struct air_diag *d)
{
    size_t size;
    unsigned char *buf = check_slurp(path, &size);
    struct air_options opt = { .typed_pointers = typed };
    struct air_result *r = NULL;
    memset(d, 0, sizeof(*d));
    *st = air_translate_in_process(buf, size, &opt, &r, d);
    free(buf);
    return r;
}

int
main(int argc, char **argv)
{
    int ok = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *name = strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1 : argv[i];
        struct air_diag d;
        enum air_status st;
        struct air_result *r = translate(argv[i], false, &st, &d);
        const char *bad = strstr(name, "_bad_");
        if (bad) {
            enum air_status want =
                strstr(bad, "unsupported") ? AIR_NOT_SUPPORTED : AIR_INVALID_DATA;
            if (st != want || !d.msg[0]) {
                fprintf(stderr, "%s: expected %s with a message, got %s (%s)\n", name,
                        air_status_string(want), air_status_string(st), d.msg);
                check_failures++;
            } else {
                ok++;
            }
            air_result_unref(r);
            continue;
        }
        if (st != AIR_OK) {
            fprintf(stderr, "%s: %s: %s\n", name, air_status_string(st), d.msg);
            check_failures++;
            continue;
        }
        bool good = validate(name, r);
        struct air_result *ro = translate(argv[i + 1], false, &st, &d);
        struct air_result *rt = translate(argv[i], true, &st, &d);
        if (!ro || !rt || ro->word_count != r->word_count || rt->word_count != r->word_count ||
            memcmp(ro->words, r->words, r->word_count * 4) != 0 ||
            memcmp(rt->words, r->words, r->word_count * 4) != 0) {
            fprintf(stderr, "%s: typed/opaque/typed-mode words differ\n", name);
            good = false;
        }
        if (good)
            ok++;
        else
            check_failures++;
        air_result_unref(r);
        air_result_unref(ro);
        air_result_unref(rt);
    }
    fprintf(stderr, "%d of %d fixtures ok\n", ok, (argc - 1) / 2);
    return check_finish();
}
