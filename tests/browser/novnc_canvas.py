#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Opens noVNC (served on loopback) in headless Chromium through chromedriver, lets it connect
# to a VNC server by websockets, waits until its canvas has the expected size and has been
# drawn, and saves the canvas pixels (canvas.toDataURL, so exactly what noVNC drew) as a PNG.
# usage: novnc_canvas.py HTTP_PORT VNC_PORT WIDTH HEIGHT OUT.png PROFILE_DIR
import base64
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

http_port, vnc_port, width, height, out, profile = sys.argv[1:7]
opts = webdriver.ChromeOptions()
opts.binary_location = "/usr/bin/chromium"
for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--user-data-dir=" + profile, "--window-size=1200,900"):
    opts.add_argument(flag)
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
try:
    url = ("http://127.0.0.1:%s/vnc.html?host=127.0.0.1&port=%s&autoconnect=true&resize=off"
           "&reconnect=false&quality=9&path=" % (http_port, vnc_port))
    driver.get(url)
    js = """
        const c = document.querySelector('#noVNC_container canvas');
        if (!c || c.width != %s || c.height != %s) return null;
        const d = c.getContext('2d').getImageData(c.width / 2, c.height / 4, 1, 1).data;
        if (d[0] + d[1] + d[2] == 0) return null;   /* not drawn yet */
        return c.toDataURL('image/png');
    """ % (width, height)
    data = None
    deadline = time.time() + 60
    while time.time() < deadline and data is None:
        data = driver.execute_script(js)
        if data is None:
            time.sleep(0.25)
    if data is None:
        status = driver.execute_script(
            "const s = document.getElementById('noVNC_status'); return s ? s.textContent : '';")
        print("novnc_canvas: no drawn %sx%s canvas after 60 s (noVNC status: %r)"
              % (width, height, status))
        sys.exit(1)
    time.sleep(1.0)  # let the first full update finish; then take the newest canvas
    data = driver.execute_script(js) or data
    with open(out, "wb") as f:
        f.write(base64.b64decode(data.split(",", 1)[1]))
    print("novnc_canvas: saved the %sx%s canvas to %s" % (width, height, out))
finally:
    driver.quit()
