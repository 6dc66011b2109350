"""Twilio's Voice Intelligence transcripts, for the simulator's recordings.

`POST /v2/Transcripts` (ServiceSid, Channel naming the recording by `source_sid`) makes a
transcript of a recording, `GET /v2/Transcripts/{sid}` tells its status and
`GET /v2/Transcripts/{sid}/Sentences` lists what was said, in the JSON shapes the SDK
reads. Twilio works on it for a while; the simulator has the parties' scripted lines
(`parties.Line`), so a transcript is completed at once. A recording deleted or unknown
is refused as Twilio refuses a source it cannot read.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .voice import Voice

Params = dict[str, list[str]]
Answer = tuple[int, dict[str, Any]]
PREFIX = "/v2/Transcripts"
TRANSCRIPT = re.compile(r"/v2/Transcripts/(?P<sid>GT[0-9a-f]{32})(?P<sentences>/Sentences)?")


@dataclass
class SimTranscript:
    sid: str
    service_sid: str
    recording_sid: str
    channel: dict[str, Any]
    created_at: datetime
    sentences: list[dict[str, object]]


def error(status: int, code: int, message: str) -> Answer:
    return status, {"code": code, "message": message, "more_info": "", "status": status}


class IntelligenceApi:
    def __init__(self, *, account_sid: str, voice: Voice) -> None:
        self.account_sid = account_sid
        self.voice = voice
        self.transcripts: dict[str, SimTranscript] = {}

    def handle(self, method: str, path: str, params: Params) -> Answer:
        if path == PREFIX:
            return self.create(params) if method == "POST" else error(405, 20004, "Not allowed")
        match = TRANSCRIPT.fullmatch(path)
        transcript = self.transcripts.get(match["sid"]) if match else None
        if transcript is None or method != "GET":
            return error(404, 20404, f"The requested resource {path} was not found")
        if match and match["sentences"]:
            return 200, self.sentences_page(transcript, path)
        return 200, self.transcript_json(transcript)

    def create(self, params: Params) -> Answer:
        service_sid = (params.get("ServiceSid") or [""])[0]
        if not service_sid.startswith("GA"):
            return error(400, 20001, "Invalid ServiceSid")
        try:
            channel = json.loads((params.get("Channel") or [""])[0])
            source_sid = channel["media_properties"]["source_sid"]
        except (ValueError, KeyError, TypeError):
            return error(400, 20001, "Channel must name media_properties.source_sid")
        recording = self.voice.recordings.get(source_sid)
        if recording is None or recording.deleted or recording.status != "completed":
            return error(400, 20001, f"Recording {source_sid} is not available")
        transcript = SimTranscript(
            sid=self.voice.engine.sid("GT"),
            service_sid=service_sid,
            recording_sid=source_sid,
            channel=channel,
            created_at=self.voice.now(),
            sentences=self.voice.recording_sentences(recording),
        )
        self.transcripts[transcript.sid] = transcript
        return 201, self.transcript_json(transcript)

    def transcript_json(self, transcript: SimTranscript) -> dict[str, Any]:
        created = transcript.created_at.isoformat().replace("+00:00", "Z")
        url = f"https://intelligence.twilio.com{PREFIX}/{transcript.sid}"
        return {
            "account_sid": self.account_sid,
            "service_sid": transcript.service_sid,
            "sid": transcript.sid,
            "date_created": created,
            "date_updated": created,
            "status": "completed",
            "channel": transcript.channel,
            "data_logging": False,
            "language_code": "en-US",
            "customer_key": None,
            "media_start_time": None,
            "duration": self.voice.recordings[transcript.recording_sid].duration,
            "url": url,
            "redaction": False,
            "encryption_credential_sid": None,
            "links": {"sentences": f"{url}/Sentences"},
        }

    def sentences_page(self, transcript: SimTranscript, path: str) -> dict[str, Any]:
        url = f"https://intelligence.twilio.com{path}"
        return {
            "sentences": [
                {**sentence, "sid": f"GX{index:032x}", "words": []}
                for index, sentence in enumerate(transcript.sentences)
            ],
            "meta": {
                "key": "sentences",
                "page": 0,
                "page_size": max(len(transcript.sentences), 1),
                "first_page_url": url,
                "previous_page_url": None,
                "next_page_url": None,
                "url": url,
            },
        }
