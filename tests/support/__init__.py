"""Test fakes: loopback fake OpenAI servers and function backends (not in the wheel)."""
