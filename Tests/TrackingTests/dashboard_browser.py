"""The dashboard in a real browser (issue 17): headless Chromium (Debian's chromium and
chromium-driver) driven by selenium watches a study of the built-in model while it runs.

    python dashboard_browser.py --smart-tuner PATH --folder DIR --port PORT [--screenshots DIR]

It starts `smart-tuner optimize` on a small study whose trials hit a NaN (so they restart) and
`smart-tuner dashboard` on the same study file, then:
1. opens the study page and waits, without reloading it, until a running trial's step shown on
   the page advances (the page's own script, fed by server-sent events);
2. once a trial has restarted, opens its page and finds its heatmap loaded and its restart;
3. saves screenshots of the studies, study and trial pages.
It prints one JSON object with what it saw; the Swift test judges it. Every wait has a ceiling
that ends the run with an error instead of hanging.
"""
import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

STUDY = """study:
  name: drill
  storage: {folder}/study.db
  trials: 4
  parallelism: 2
  seed: 3
  sampler: {{type: tpe, startup_trials: 2}}
  pruner: {{type: none}}
trainer:
  steps: 600
  validation_interval: 10
  checkpoint_interval: 20
  corpus: miniature
  directory: {folder}/runs
  faults: nan@45
search_space:
  learning_rate: {{type: float, low: 0.001, high: 0.01, log: true}}
  guided_attention_weight: {{type: float, low: 0.5, high: 2.0}}
early_stop:
  alignment_deadline: 0
  patience: 0
  overfitting_validations: 1000
"""


def wait_for(what, ceiling, check, every=0.5):
    """Calls `check` until it returns something true; fails past `ceiling` seconds."""
    deadline = time.monotonic() + ceiling
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise SystemExit(f"waited {ceiling} s for {what}")


def fetch_json(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return json.load(answer)
    except Exception:  # not up yet, or the study not made yet: the caller waits
        return None


def browser():
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1400,1000"):
        options.add_argument(flag)
    options.binary_location = "/usr/bin/chromium"
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=webdriver.ChromeService("/usr/bin/chromedriver"), options=options)


def screenshot(driver, path):
    driver.execute_script("window.scrollTo(0, 0)")
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1400, min(max(height, 800), 6000))
    driver.save_screenshot(path)
    driver.set_window_size(1400, 1000)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--smart-tuner", required=True)
    parser.add_argument("--folder", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--screenshots")
    options = parser.parse_args()
    folder = options.folder
    shots = options.screenshots or folder
    os.makedirs(shots, exist_ok=True)
    config = os.path.join(folder, "study.yaml")
    with open(config, "w") as file:
        file.write(STUDY.format(folder=folder))
    base = f"http://127.0.0.1:{options.port}"
    processes = []
    result = {}
    try:
        with open(os.path.join(folder, "optimize.log"), "w") as log:
            processes.append(subprocess.Popen([options.smart_tuner, "optimize", "--config", config], stdout=log, stderr=subprocess.STDOUT))
        # The study file exists once the tuner has made the study: then the dashboard can open it.
        wait_for("the study file", 300, lambda: os.path.exists(os.path.join(folder, "study.db")))
        with open(os.path.join(folder, "dashboard.log"), "w") as log:
            processes.append(subprocess.Popen([options.smart_tuner, "dashboard", "--config", config, "--port", str(options.port)],
                                              stdout=log, stderr=subprocess.STDOUT))
        live = f"{base}/studies/drill/live.json"

        def running_trial():
            snapshot = fetch_json(live)
            if not snapshot:
                return None
            running = [key[1:-6] for key, value in snapshot["fields"].items() if key.endswith("-state") and value == "running"]
            return running[0] if running else None

        number = wait_for("a running trial", 600, running_trial)
        driver = browser()
        try:
            driver.get(f"{base}/studies/drill")
            WebDriverWait(driver, 60).until(lambda d: d.find_element(By.ID, "live-status").text.startswith("live"))
            driver.execute_script("window.stillTheSamePage = 'yes'")
            before = int(driver.find_element(By.ID, f"t{number}-step").text)
            after = wait_for("the step on screen to advance", 300,
                             lambda: (lambda shown: shown if shown > before else None)(int(driver.find_element(By.ID, f"t{number}-step").text)))
            result.update(trial=int(number), step_before=before, step_after=after,
                          same_page=driver.execute_script("return window.stillTheSamePage") == "yes",
                          live_status=driver.find_element(By.ID, "live-status").text)
            screenshot(driver, os.path.join(shots, "dashboard-study.png"))

            def restarted_trial():
                snapshot = fetch_json(live)
                if not snapshot:
                    return None
                restarted = [key[1:-11] for key, value in snapshot["fields"].items() if key.endswith("-generation") and int(value) > 0]
                return restarted[0] if restarted else None

            restarted = wait_for("a restarted trial", 600, restarted_trial)
            driver.get(f"{base}/studies/drill/trials/{restarted}")
            # Heatmaps load when scrolled to (loading="lazy"), as a reader would.
            driver.execute_script("var h = document.querySelector('.heatmaps'); if (h) { h.scrollIntoView(); }")
            heatmap = WebDriverWait(driver, 60).until(lambda d: d.execute_script(
                "var images = Array.from(document.querySelectorAll('.heatmaps img'));"
                "return images.some(function (i) { return i.complete && i.naturalWidth > 0; }) ? images.length : 0;"))
            restarts = [row.text for row in driver.find_elements(By.CSS_SELECTOR, "#restarts tbody tr")]
            result.update(restarted_trial=int(restarted), heatmaps=heatmap, restarts=restarts)
            screenshot(driver, os.path.join(shots, "dashboard-trial.png"))
            driver.get(base + "/")
            result["studies_title"] = driver.title
            screenshot(driver, os.path.join(shots, "dashboard-studies.png"))
            result["console"] = [entry["message"] for entry in driver.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")]
        finally:
            driver.quit()
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
    print(json.dumps(result))


if __name__ == "__main__":
    sys.exit(main())
