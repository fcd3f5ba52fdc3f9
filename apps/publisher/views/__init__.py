"""Publisher pages: the WordPress connection (`integration`), the publishing schedule
(`schedule`), the calendar and publish actions (`calendar`), the sync log (`synclog`)."""
