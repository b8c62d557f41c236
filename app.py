"""机关事务标准化试点 自评 — what the user runs (`streamlit run app.py`, or any ASGI server).

The Streamlit script is pages/router.py; this module serves it through st.App, with start-up
work (migrations, warm-up), a /healthz route for load balancers and monitoring, the login
cookie's route, and security headers on every response.
"""

from __future__ import annotations

import streamlit as st
from starlette.routing import Route

from jiguan.web import PROJECT_ROUTER, healthz, lifespan, login_cookie, security_headers

app = st.App(
    str(PROJECT_ROUTER),
    lifespan=lifespan,
    routes=[
        Route("/healthz", healthz),
        Route("/jiguan/login-cookie", login_cookie, methods=["POST", "DELETE"]),
    ],
    middleware=[security_headers()],
)
