"""The baseline for bench/bench_app.py: the smallest useful Streamlit app (one checkbox)."""

import streamlit as st

x = st.checkbox("x", key="x")
st.write(x)
