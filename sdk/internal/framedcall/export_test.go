package framedcall

// FreeLanes reports how many of c's lanes carry no call.
func FreeLanes(c *Client) int { return len(c.lanes) }
