"""Supervisors on live calls: listen, whisper and barge through the call's conference."""
