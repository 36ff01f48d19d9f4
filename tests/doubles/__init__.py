"""Local HTTP doubles of the channels' real APIs, one module per channel type.

Each module defines ``make_double() -> ChannelDouble`` (see protocol.py); the contract suite
(tests/channels/test_contract.py) and bench/channels.py find them by module.
"""
