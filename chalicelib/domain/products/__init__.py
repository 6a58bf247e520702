"""Banks' products (积分贷, contract 18): terms per grade, and the product funnel's arithmetic."""
