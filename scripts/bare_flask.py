"""The yardstick for `make bench`: a bare Flask endpoint returning "hello".

Served by gunicorn with the same settings as the app (`bare_flask:app`), so the
benchmark's ratios compare the app with what Flask and gunicorn cost on their own.
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "hello"
