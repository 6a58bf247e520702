"""The query API: a Chalice Blueprint (`routes.bp`) over query functions, with its access control."""
