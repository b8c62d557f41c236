@echo off
rem 启动自评应用（先运行 install.bat）。
chcp 65001 >nul
cd /d "%~dp0"
.venv\Scripts\python -m streamlit run app.py %*
