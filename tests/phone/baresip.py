"""Debian's baresip as the candidate's phone: a real SIP user agent on 127.0.0.1 that answers
(or places) a call with vivavoce and plays WAV files into it — the candidate's recorded
answers, each switched in (`/ausrc`) through its TCP control socket when the test decides
the candidate speaks — and presses keys (`/sndcode`, RFC 2833), while sndfile writes what it
heard from vivavoce to a WAV file."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from pathlib import Path

from vivavoce.voice.audio import from_wav, resample, to_wav

BARESIP = "/usr/bin/baresip"
RATE = 8000  # the G.711 line's rate: aufile plays the file as it is

CONFIG = """poll_method epoll
sip_listen 127.0.0.1:{port}
rtp_ports {rtp_min}-{rtp_max}
audio_player aubridge,phone
audio_alert aubridge,phone
audio_source aufile,{wav}
ctrl_tcp_listen 127.0.0.1:{control}
audio_srate 8000
audio_channels 1
module_path /usr/lib/baresip/modules
module stdio.so
module g711.so
module aufile.so
module aubridge.so
module sndfile.so
module ctrl_tcp.so
module_app account.so
module_app menu.so
snd_path {heard}
"""


def free_sip_port() -> int:
    """A port free for both UDP and TCP: baresip listens for SIP on both (a port free for UDP
    alone was once taken for TCP by the other suite running beside this one)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind(("127.0.0.1", 0))
            port = int(tcp.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no port free for both UDP and TCP")


def free_tcp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def line_wav(parts: list[bytes | float], sample_rate: int = 16_000) -> bytes:
    """A WAV at the line's rate: PCM (at `sample_rate`) and seconds of silence, in order."""
    pcm = b"".join(
        bytes(2 * int(RATE * part))
        if isinstance(part, float)
        else resample(part, sample_rate, RATE)
        for part in parts
    )
    return to_wav(pcm, RATE)


class Baresip:
    """One baresip process with its own config directory under `home`."""

    def __init__(
        self,
        home: Path,
        wav: bytes,
        *,
        user: str = "candidate",
        dial: str | None = None,
        answers: bool = True,
    ) -> None:
        if shutil.which(BARESIP) is None:
            raise RuntimeError(f"{BARESIP} is missing: `make baresip` (make test) installs it")
        self.home = home
        self.port = free_sip_port()
        self.control = free_tcp_port()
        self._said = 0
        self.heard_dir = home / "heard"
        self.heard_dir.mkdir(parents=True)
        (home / "candidate.wav").write_bytes(wav)
        rtp_min = 20_000 + self.port % 10_000
        (home / "config").write_text(
            CONFIG.format(
                port=self.port,
                rtp_min=rtp_min,
                rtp_max=rtp_min + 20,
                wav=home / "candidate.wav",
                control=self.control,
                heard=self.heard_dir,
            )
        )
        (home / "accounts").write_text(
            f"<sip:{user}@127.0.0.1:{self.port}>;regint=0;"
            f"answermode={'auto' if answers else 'manual'};audio_codecs=PCMU\n"
        )
        command = [BARESIP, "-f", str(home)]
        if dial is not None:
            command += ["-e", f"/dial {dial}"]
        self.log = (home / "baresip.log").open("wb")
        self.process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT
        )
        self._wait_for_control()

    def _wait_for_control(self) -> None:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.control), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(self.output()[-2000:])

    @property
    def uri(self) -> str:
        return f"127.0.0.1:{self.port}"

    def command(self, command: str, params: str) -> str:
        """One command on the control socket (a netstring of JSON), and baresip's answer."""
        body = json.dumps({"command": command, "params": params, "token": command}).encode()
        with socket.create_connection(("127.0.0.1", self.control), timeout=10) as control:
            control.sendall(str(len(body)).encode() + b":" + body + b",")
            return control.recv(65_536).decode(errors="replace")

    def say(self, wav: bytes) -> None:
        """Play `wav` into the call from now on (it should end in a long silence: baresip
        hangs up when its audio source runs out)."""
        self._said += 1
        path = self.home / f"said-{self._said}.wav"
        path.write_bytes(wav)
        self.command("ausrc", f"aufile,{path}")

    def press(self, keys: str) -> None:
        """Press keypad keys on the call in progress (RFC 2833 telephone events)."""
        for key in keys:
            self.command("sndcode", key)
            time.sleep(0.25)

    def heard(self) -> bytes:
        """What baresip heard from vivavoce so far (8 kHz PCM), from its sndfile dump."""
        dumps = sorted(self.heard_dir.glob("dump-*-dec.wav"))
        assert dumps, self.output()[-3000:]
        data = dumps[-1].read_bytes()
        if b"data\x00\x00\x00\x00" in data[:64]:  # still being written: no sizes yet
            return data[data.index(b"data") + 8 :]
        pcm, rate = from_wav(data)
        return resample(pcm, rate, RATE)

    def output(self) -> str:
        self.log.flush()
        return (self.home / "baresip.log").read_text(errors="replace")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        self.log.close()
