"""The pyzeebe job workers of the approval process; one `jobs_<area>` module per area of work."""
