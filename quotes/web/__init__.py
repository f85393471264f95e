"""The newsroom web page: `quotes serve` (search, speakers, articles), server-rendered with Jinja2."""
