"""The web application: dashboard, case pages, inbox, intake, Post's reply page, transparency.

It reaches the engine only through the Camunda 8.8 REST API (`web.camunda`) and the casework store only through
`web.readmodel`, so the same pages run against the embedded engine and a real Camunda 8 cluster.
"""
