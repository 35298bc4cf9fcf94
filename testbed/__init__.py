"""The test bed shared by tests/ and bench/ (see proxy.py, load_driver.py, hostile_driver.py)."""
