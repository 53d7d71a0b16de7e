namespace CaiEvents.TestSupport;

/// <summary>
/// Whose documented chat-completions and <c>/v1/models</c> shapes <see cref="LoopbackOpenAiServer"/> reproduces (the fields and
/// extras each server writes, its error body, whether it continues a final assistant message and which parameters it rejects).
/// </summary>
public enum ServerFlavour
{
    /// <summary>vLLM's OpenAI-compatible server: <c>stop_reason</c>, null extras, <c>owned_by: "vllm"</c> with root and max_model_len;
    /// continues a final assistant message when asked with <c>continue_final_message</c>.</summary>
    Vllm,

    /// <summary>llama.cpp's <c>llama-server</c>: token ids in log-probs, <c>timings</c>, a build fingerprint, <c>owned_by: "llamacpp"</c>
    /// with <c>meta</c>; continues a final assistant message on its own.</summary>
    LlamaCpp,

    /// <summary>Ollama's OpenAI-compatible endpoint: <c>system_fingerprint: "fp_ollama"</c>, <c>owned_by: "library"</c>; continues a
    /// final assistant message on its own.</summary>
    Ollama,

    /// <summary>OpenAI itself: <c>refusal</c>/<c>annotations</c>, usage details, <c>service_tier</c>, a fingerprint,
    /// <c>owned_by: "system"</c>; rejects parameters it does not know (<c>continue_final_message</c>, <c>top_k</c>) with 400.</summary>
    OpenAi,
}
