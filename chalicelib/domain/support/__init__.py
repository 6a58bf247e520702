"""Support records (支持信息, 积分贷): fields and validation, the status chain, identity and versions,
and the summary arithmetic. Pure: no AWS here."""
