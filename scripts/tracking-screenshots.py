"""Screenshots of a study in MLflow and TensorBoard for docs/tracking.md, from headless
Chromium driven by selenium (Debian's chromium and chromium-driver; selenium from PyPI).

    python scripts/tracking-screenshots.py --mlflow http://127.0.0.1:5000 --experiment tiny-tacotron \
        --tensorboard http://127.0.0.1:6006 --out docs/images

It opens MLflow's run table with the study's parent run expanded, TensorBoard's time series
filtered to the losses and focus rate, and its HPARAMS table.
"""
import argparse
import json
import os
import time
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys


def browser():
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1500,950"):
        options.add_argument(flag)
    options.binary_location = "/usr/bin/chromium"
    return webdriver.Chrome(service=webdriver.ChromeService("/usr/bin/chromedriver"), options=options)


def settle(seconds=4):
    time.sleep(seconds)


def click_all(driver, css):
    for element in driver.find_elements(By.CSS_SELECTOR, css):
        try:
            element.click()
        except Exception:  # hidden or detached: not the one we want
            pass


def mlflow(driver, url, experiment, out):
    query = urllib.parse.urlencode({"experiment_name": experiment})
    with urllib.request.urlopen(f"{url}/api/2.0/mlflow/experiments/get-by-name?{query}") as answer:
        experiment_id = json.load(answer)["experiment"]["experiment_id"]
    driver.get(f"{url}/#/experiments/{experiment_id}/runs")
    settle(6)
    # Close the assistant's side panel, then expand the parent run's children.
    for button in driver.find_elements(By.CSS_SELECTOR, "button[aria-label='Close']"):
        try:
            button.click()
        except Exception:
            pass
    click_all(driver, "button[data-component-id*='runnamecellrenderer']")
    settle(3)
    driver.save_screenshot(os.path.join(out, "mlflow-runs.png"))


def tensorboard(driver, url, out):
    driver.get(f"{url}/#timeseries")
    settle(6)
    click_all(driver, "button[aria-label='Close settings'], .close-button")
    field = driver.find_element(By.CSS_SELECTOR, "input[placeholder='Filter tags (regex)']")
    field.send_keys("^(train/total|validation/total|alignment/focus_rate)$", Keys.ENTER)
    settle(4)
    driver.save_screenshot(os.path.join(out, "tensorboard-scalars.png"))
    driver.get(f"{url}/#hparams")
    settle(6)
    driver.save_screenshot(os.path.join(out, "tensorboard-hparams.png"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mlflow", required=True)
    parser.add_argument("--experiment", required=True)
    parser.add_argument("--tensorboard", required=True)
    parser.add_argument("--out", default="docs/images")
    arguments = parser.parse_args()
    os.makedirs(arguments.out, exist_ok=True)
    driver = browser()
    try:
        mlflow(driver, arguments.mlflow, arguments.experiment, arguments.out)
        tensorboard(driver, arguments.tensorboard, arguments.out)
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
