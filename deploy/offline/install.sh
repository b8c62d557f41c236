#!/bin/sh
# 内网离线安装（Linux）：只用本目录 wheelhouse/ 中的安装包，不访问任何软件源。
# 用法：./install.sh          （可用 PYTHON=/path/to/python3.11 ./install.sh 指定解释器）
set -eu
cd "$(dirname "$0")"

PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  for candidate in python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] not in ((3, 11), (3, 12)))'; then
      PY="$candidate"
      break
    fi
  done
fi
if [ -z "$PY" ]; then
  echo "未找到 Python 3.11 或 3.12：请先安装（离线包中的安装包只适用于这两个版本）。" >&2
  exit 1
fi

echo "使用 $("$PY" --version 2>&1) 创建 .venv …"
if ! "$PY" -m venv .venv; then
  echo "无法创建虚拟环境：Debian/Ubuntu 上请先安装 python3-venv（如 apt-get install python3.11-venv）。" >&2
  exit 1
fi
# --isolated: 不读本机的 pip 配置（其中可能指向无法访问的软件源）；--no-index: 只用 wheelhouse/。
.venv/bin/python -m pip --isolated install --quiet --no-index --find-links wheelhouse -r requirements.txt
echo "安装完成。启动：./start.sh   （浏览器打开 http://localhost:8501）"
