"""Scheduled channel digests: `slots` (pure time rules), `digest` (pure message builder),
`scheduler` (APScheduler jobs rebuilt from the database), `commands` (`/newsbot digest ...`),
`clock` (`newsbot clock`, the scheduler as its own process)."""
