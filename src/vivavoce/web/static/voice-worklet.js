// Microphone capture for voice interviews: 100 ms frames of 16-bit PCM at the context's rate
// (16 kHz), each posted with its RMS level (0..1) to the page, which streams it to the server.
class VivavoceCapture extends AudioWorkletProcessor {
  constructor() {
    super();
    this.frame = new Int16Array(Math.round(sampleRate / 10));
    this.filled = 0;
    this.energy = 0;
  }

  process(inputs) {
    const input = inputs[0] && inputs[0][0];
    if (!input) return true;
    for (let i = 0; i < input.length; i += 1) {
      const sample = Math.max(-1, Math.min(1, input[i]));
      this.energy += sample * sample;
      this.frame[this.filled] = sample < 0 ? sample * 0x8000 : sample * 0x7fff;
      this.filled += 1;
      if (this.filled === this.frame.length) {
        const level = Math.sqrt(this.energy / this.frame.length);
        this.port.postMessage({ pcm: this.frame.buffer.slice(0), level });
        this.filled = 0;
        this.energy = 0;
      }
    }
    return true;
  }
}

registerProcessor("vivavoce-capture", VivavoceCapture);
