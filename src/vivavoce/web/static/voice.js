// Voice mode of the join page: microphone check, capture streamed over the live WebSocket
// (binary frames of 16 kHz 16-bit PCM), the interviewer's audio played with captions (or the
// browser's own speech synthesis when the server has no voice), and barge-in: speaking over
// the interviewer stops its audio and tells the server.
const SAMPLE_RATE = 16000;
const BARGE_IN_LEVEL = 0.03; // RMS of a 100 ms frame that counts as the candidate speaking
const BARGE_IN_FRAMES = 2; // consecutive loud frames (200 ms) before the interviewer stops

const AUDIO_CONSTRAINTS = {
  audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
};

// Ask for the microphone and watch its level for a moment. Resolves {ok, message}.
export async function checkMicrophone(onLevel) {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.AudioWorkletNode) {
    return { ok: false, message: "This browser cannot use a microphone here." };
  }
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia(AUDIO_CONSTRAINTS);
  } catch (error) {
    const denied = error && (error.name === "NotAllowedError" || error.name === "SecurityError");
    return {
      ok: false,
      message: denied
        ? "Microphone access was not allowed."
        : "We could not find a working microphone.",
    };
  }
  const context = new AudioContext();
  const analyser = context.createAnalyser();
  context.createMediaStreamSource(stream).connect(analyser);
  const data = new Float32Array(analyser.fftSize);
  let loudest = 0;
  const started = performance.now();
  await new Promise((resolve) => {
    const poll = () => {
      analyser.getFloatTimeDomainData(data);
      let sum = 0;
      for (const value of data) sum += value * value;
      const level = Math.sqrt(sum / data.length);
      loudest = Math.max(loudest, level);
      onLevel(Math.min(1, level * 8));
      if (performance.now() - started > 1500) resolve();
      else setTimeout(poll, 50);
    };
    poll();
  });
  for (const track of stream.getTracks()) track.stop();
  await context.close();
  return { ok: true, heard: loudest > 0.01 };
}

export class VoiceClient {
  // hooks: sendBinary(ArrayBuffer), sendJson(object), state(text), caption(text)
  constructor(hooks) {
    this.hooks = hooks;
    this.playback = new AudioContext();
    this.capture = null;
    this.stream = null;
    this.sources = new Set();
    this.nextStart = 0;
    this.chain = Promise.resolve();
    this.pendingAudio = null;
    this.serverVoice = true;
    this.listening = false;
    this.loudFrames = 0;
  }

  async start() {
    if (this.capture) return;
    this.stream = await navigator.mediaDevices.getUserMedia(AUDIO_CONSTRAINTS);
    this.capture = new AudioContext({ sampleRate: SAMPLE_RATE });
    await this.capture.audioWorklet.addModule("/static/voice-worklet.js");
    const node = new AudioWorkletNode(this.capture, "vivavoce-capture");
    node.port.onmessage = (event) => this.onFrame(event.data);
    this.capture.createMediaStreamSource(this.stream).connect(node);
    this.listening = true;
    this.hooks.state("Listening…");
  }

  onFrame({ pcm, level }) {
    if (!this.listening) return;
    this.hooks.sendBinary(pcm);
    if (this.speaking() && level >= BARGE_IN_LEVEL) {
      this.loudFrames += 1;
      if (this.loudFrames >= BARGE_IN_FRAMES) {
        this.stopSpeaking();
        this.hooks.sendJson({ type: "barge_in" });
      }
    } else {
      this.loudFrames = 0;
    }
  }

  speaking() {
    const audio = this.sources.size > 0 || this.nextStart > this.playback.currentTime;
    return audio || (window.speechSynthesis && window.speechSynthesis.speaking);
  }

  stopSpeaking() {
    for (const source of this.sources) {
      try {
        source.stop();
      } catch {}
    }
    this.sources.clear();
    this.nextStart = 0;
    this.chain = Promise.resolve();
    if (window.speechSynthesis) window.speechSynthesis.cancel();
    this.hooks.caption("");
    if (this.listening) this.hooks.state("Listening…");
  }

  // A JSON message meant for voice mode; true when handled.
  onMessage(message) {
    if (message.type === "ai_audio") {
      this.pendingAudio = message;
    } else if (message.type === "speak") {
      this.say(message.text);
    } else if (message.type === "hearing") {
      this.hooks.state("Hearing you…");
    } else if (message.type === "heard") {
      this.hooks.state("Still listening… take your time.");
    } else if (message.type === "voice") {
      this.serverVoice = message.tts === "server";
      if (message.state === "off") this.stopListening();
    } else {
      return false;
    }
    return true;
  }

  // A binary frame: the WAV announced by the last ai_audio message.
  onAudio(buffer) {
    const header = this.pendingAudio;
    this.pendingAudio = null;
    this.chain = this.chain
      .then(() => this.playback.decodeAudioData(buffer))
      .then((decoded) => this.schedule(decoded, header ? header.text : ""))
      .catch(() => {});
  }

  schedule(decoded, text) {
    if (this.playback.state === "suspended") this.playback.resume();
    const source = this.playback.createBufferSource();
    source.buffer = decoded;
    source.connect(this.playback.destination);
    const at = Math.max(this.playback.currentTime + 0.02, this.nextStart);
    this.nextStart = at + decoded.duration;
    source.start(at);
    this.sources.add(source);
    setTimeout(() => {
      if (this.sources.has(source)) {
        this.hooks.caption(text);
        this.hooks.state("Interviewer speaking…");
      }
    }, Math.max(0, (at - this.playback.currentTime) * 1000));
    source.onended = () => {
      this.sources.delete(source);
      if (!this.sources.size) {
        this.hooks.caption("");
        if (this.listening) this.hooks.state("Listening…");
      }
    };
  }

  say(text) {
    if (!window.speechSynthesis || !text) return;
    const utterance = new SpeechSynthesisUtterance(text);
    utterance.lang = document.documentElement.lang || "en";
    utterance.onstart = () => this.hooks.caption(text);
    utterance.onend = () => {
      if (!window.speechSynthesis.speaking) this.hooks.caption("");
    };
    window.speechSynthesis.speak(utterance);
  }

  stopListening() {
    this.listening = false;
    if (this.stream) for (const track of this.stream.getTracks()) track.stop();
    if (this.capture) this.capture.close().catch(() => {});
    this.capture = null;
    this.stream = null;
  }

  stop() {
    this.stopListening();
  }
}
