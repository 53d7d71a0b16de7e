using CaiEvents.Contracts;

namespace CaiEvents.Models.Remote;

/// <summary>
/// What an OpenAI-compatible server offers for one model name, as <c>cai model probe</c> finds it (<see cref="RemoteModelProbe"/>).
/// </summary>
/// <param name="Chat"><c>POST {base}/chat/completions</c> answers.</param>
/// <param name="Completions"><c>POST {base}/completions</c> answers.</param>
/// <param name="EchoLogProbs">Completions with <c>echo: true</c> return the prompt's log-probabilities (exact continuation scores).</param>
/// <param name="TopLogProbs">How many <c>top_logprobs</c> per position chat responses carry when asked (0: none).</param>
/// <param name="Seed">The server accepts <c>seed</c>.</param>
/// <param name="Prefill">The server continues a final assistant message (an assistant prefill).</param>
/// <param name="Served">The server's <c>/v1/models</c> entry for the model name; null when it lists none.</param>
/// <param name="Notes">One line per finding worth telling (e.g. "top_logprobs ignored"), in the order found.</param>
public sealed record ServerCapabilities(
    bool Chat,
    bool Completions,
    bool EchoLogProbs,
    int TopLogProbs,
    bool Seed,
    bool Prefill,
    ServedModel? Served,
    IReadOnlyList<string> Notes)
{
    /// <summary>Soft labels need exact continuation scores (completions + echo) or at least two top log-probabilities in chat.</summary>
    public bool CanLabel => EchoLogProbs || (Chat && TopLogProbs >= 2);

    /// <summary>Generation needs either API.</summary>
    public bool CanGenerate => Chat || Completions;
}
