@echo off
rem 内网离线安装（Windows）：只用本目录 wheelhouse\ 中的安装包，不访问任何软件源。
chcp 65001 >nul
setlocal
cd /d "%~dp0"

set "PY="
py -3.12 -c "" >nul 2>&1 && set "PY=py -3.12"
if not defined PY py -3.11 -c "" >nul 2>&1 && set "PY=py -3.11"
if not defined PY python -c "import sys; sys.exit(sys.version_info[:2] not in ((3, 11), (3, 12)))" >nul 2>&1 && set "PY=python"
if not defined PY (
  echo 未找到 Python 3.11 或 3.12：请先安装（离线包中的安装包只适用于这两个版本）。
  exit /b 1
)

echo 正在创建 .venv ...
%PY% -m venv .venv || exit /b 1
rem --isolated: 不读本机的 pip 配置；--no-index: 只用 wheelhouse\。
.venv\Scripts\python -m pip --isolated install --quiet --no-index --find-links wheelhouse -r requirements.txt || exit /b 1
echo 安装完成。启动：双击 start.bat（浏览器打开 http://localhost:8501）
