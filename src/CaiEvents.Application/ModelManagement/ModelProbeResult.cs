using CaiEvents.Contracts;

namespace CaiEvents.Application.ModelManagement;

/// <summary>
/// What <c>cai model probe</c> found a model to offer. For a remote model (<c>openai:</c>) each capability is what its server answered
/// (<c>RemoteModelProbe</c>); for a local model it is what the in-process backend offers by construction.
/// </summary>
/// <param name="Model">The id as given.</param>
/// <param name="Local">True for a model that runs in this process (builtin:, hf:, gguf:).</param>
/// <param name="Chat">Remote: <c>/chat/completions</c> answers. Local: the model has a chat template (applied in process).</param>
/// <param name="Completions">Remote: <c>/completions</c> answers. Local: always (raw text in, text out).</param>
/// <param name="EchoLogProbs">Exact continuation log-probabilities (remote: completions with echo; local: always).</param>
/// <param name="TopLogProbs">Top log-probabilities per position in chat answers; null for a local model (the whole distribution).</param>
/// <param name="Seed">The seed is accepted (remote) or honoured per request (local).</param>
/// <param name="Prefill">A final assistant message can be continued (remote: accepted; local: always, the prompt is text).</param>
/// <param name="CanGenerate">Generator, Critic and Reviser can use it.</param>
/// <param name="CanLabel">The Labeller can use it (exact continuation scores, or at least two top log-probabilities in chat).</param>
/// <param name="Served">The server's <c>/models</c> entry (remote); null when none or local.</param>
/// <param name="Notes">What was odd, one line each.</param>
public sealed record ModelProbeResult(
    string Model,
    bool Local,
    bool Chat,
    bool Completions,
    bool EchoLogProbs,
    int? TopLogProbs,
    bool Seed,
    bool Prefill,
    bool CanGenerate,
    bool CanLabel,
    ServedModel? Served,
    IReadOnlyList<string> Notes);
