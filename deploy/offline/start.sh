#!/bin/sh
# 启动自评应用（先运行 ./install.sh）。其他参数原样传给 streamlit，如 --server.port 8080。
cd "$(dirname "$0")"
exec .venv/bin/python -m streamlit run app.py "$@"
