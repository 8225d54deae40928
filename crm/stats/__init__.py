"""Statistics (领导驾驶舱), policy matching (政策匹配), 到位资金 and measure-17 rewards."""
