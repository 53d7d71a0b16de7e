using System.Text.Json.Nodes;
using CaiEvents.Contracts;

namespace CaiEvents.Models.Remote;

/// <summary>
/// Finds what a remote server offers for a model name (<see cref="ServerCapabilities"/>) with a few tiny requests (each asks for one
/// token at temperature 0). What each check sends and what counts as "supported":
/// <list type="bullet">
/// <item><b>served model</b>: <c>GET {base}/models</c>; the entry whose id is the name (<see cref="ServedModelLookup"/>).</item>
/// <item><b>chat</b>: <c>POST {base}/chat/completions</c> with one user message; a 2xx answer with <c>choices[0].message</c>.</item>
/// <item><b>completions</b>: <c>POST {base}/completions</c> with a prompt; a 2xx answer with <c>choices[0].text</c>.</item>
/// <item><b>echo</b> (when completions answers): the same with <c>echo: true, logprobs: 1</c>; supported when the echoed prompt's
/// log-probabilities score its last word exactly as label scoring reads them (<see cref="EchoScoring"/>).</item>
/// <item><b>top log-probs</b> (when chat answers): chat with <c>logprobs: true, top_logprobs: 20</c>; the count is the number of entries in
/// <c>choices[0].logprobs.content[0].top_logprobs</c>. A 400/422 tries 5, then 1. A 2xx without entries is 0 ("ignored").</item>
/// <item><b>seed</b>: chat (else completions) with <c>seed: 1234</c>; "accepted" means a 2xx answer. Whether the seed makes sampling
/// repeatable is not checked.</item>
/// <item><b>prefill</b> (when chat answers): a user message then a final assistant message <c>"The answer is: ("</c>, with vLLM's
/// <c>continue_final_message: true, add_generation_prompt: false</c>; "supported" means a 2xx answer. That the server really continued
/// the assistant message, rather than starting a new turn, cannot be proven from outside; a server that refuses unknown parameters
/// (OpenAI answers 400) reports no prefill.</item>
/// </list>
/// 429 and 5xx answers are not taken as "unsupported" silently: they are listed in the notes.
/// </summary>
public static class RemoteModelProbe
{
    /// <summary>top_logprobs values asked for, in order, until one is accepted (OpenAI's maximum is 20).</summary>
    internal static readonly int[] TopLogProbRequests = [20, 5, 1];

    internal const string PrefillText = "The answer is: (";

    internal const long ProbeSeed = 1234;

    /// <summary>Probes <paramref name="modelId"/> (<c>openai:URL#NAME</c>) with a few small requests.</summary>
    /// <exception cref="ArgumentException">The id is not a remote model id.</exception>
    /// <exception cref="RemoteModelException">The server cannot be reached at all (one line).</exception>
    public static async Task<ServerCapabilities> ProbeAsync(string modelId, RemoteModelOptions options, HttpClient? httpClient = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var id = RemoteModelId.Parse(modelId);
        options.Validate();
        using var transport = new ProbeTransport(id, options, httpClient);
        var notes = new List<string>();
        var served = await ServedAsync(transport, id, notes, cancellationToken);

        var chatAnswer = await transport.PostAsync("/chat/completions", ChatBody(id), cancellationToken);
        var chat = IsChat(chatAnswer);
        Note(notes, "chat", chatAnswer, chat);
        if (served is not null && Fingerprint(chatAnswer) is { } fingerprint) served = served with { SystemFingerprint = fingerprint };

        var completionsAnswer = await transport.PostAsync("/completions", CompletionsBody(id), cancellationToken);
        var completions = IsCompletion(completionsAnswer);
        Note(notes, "completions", completionsAnswer, completions);

        var echo = completions && await EchoAsync(transport, id, notes, cancellationToken);
        var top = chat ? await TopLogProbsAsync(transport, id, notes, cancellationToken) : 0;
        var seed = await SeedAsync(transport, id, chat, completions, notes, cancellationToken);
        var prefill = chat && await PrefillAsync(transport, id, notes, cancellationToken);
        return new ServerCapabilities(chat, completions, echo, top, seed, prefill, served, notes);
    }

    /// <summary>The <c>/models</c> entry of the name, or null with a note.</summary>
    internal static async Task<ServedModel?> ServedAsync(ProbeTransport transport, RemoteModelId id, List<string> notes, CancellationToken ct) =>
        (await ServedOrBusyAsync(transport, id, notes, ct)).Served;

    /// <summary>The <c>/models</c> entry of the name (or null with a note), and whether the server answered 429/5xx.</summary>
    internal static async Task<(ServedModel? Served, bool Busy)> ServedOrBusyAsync(ProbeTransport transport, RemoteModelId id, List<string> notes,
        CancellationToken ct)
    {
        var answer = await transport.GetAsync("/models", ct);
        if (answer.Ok) return (ServedModelLookup.Find(answer.Json, id.ModelName, notes), false);
        notes.Add($"models: GET /models answered {answer.Describe()}");
        return (null, answer.Transient);
    }

    /// <summary>Whether chat answers: true, false, or null when the server was busy or failing (429/5xx) and nothing can be said.</summary>
    internal static async Task<bool?> ChatAnswersAsync(ProbeTransport transport, RemoteModelId id, List<string> notes, CancellationToken ct)
    {
        var answer = await transport.PostAsync("/chat/completions", ChatBody(id), ct);
        var chat = IsChat(answer);
        Note(notes, "chat", answer, chat);
        return answer.Transient ? null : chat;
    }

    internal static async Task<bool> PrefillAsync(ProbeTransport transport, RemoteModelId id, List<string> notes, CancellationToken ct)
    {
        var body = ChatBody(id);
        body["messages"] = new JsonArray(
            new JsonObject { ["role"] = "user", ["content"] = "Is the sky blue? Answer (A) yes or (B) no." },
            new JsonObject { ["role"] = "assistant", ["content"] = PrefillText });
        body["continue_final_message"] = true;
        body["add_generation_prompt"] = false;
        var answer = await transport.PostAsync("/chat/completions", body, ct);
        var accepted = IsChat(answer);
        Note(notes, "prefill", answer, accepted);
        return accepted;
    }

    private static async Task<bool> EchoAsync(ProbeTransport transport, RemoteModelId id, List<string> notes, CancellationToken ct)
    {
        const string Prompt = "The sky is";
        const string Continuation = " blue";
        var body = CompletionsBody(id);
        body["prompt"] = Prompt + Continuation;
        body["echo"] = true;
        body["logprobs"] = 1;
        var answer = await transport.PostAsync("/completions", body, ct);
        if (!answer.Ok)
        {
            notes.Add($"echo: {answer.Describe()}");
            return false;
        }
        try
        {
            var parsed = System.Text.Json.JsonSerializer.Deserialize(answer.Json, CompletionsJsonContext.Default.CompletionResponseBody);
            if (parsed is null) throw new System.Text.Json.JsonException("null body");
            var score = EchoScoring.Score(Continuation, parsed, OpenAiCompatibleModel.ScoringNewTokens, what => new InvalidOperationException(what));
            if (score.TokenLogProbs.Count > 0 && double.IsFinite(score.TotalLogProb)) return true;
            notes.Add("echo: the echoed prompt's last word has no log-probability");
            return false;
        }
        catch (Exception e) when (e is InvalidOperationException or System.Text.Json.JsonException)
        {
            notes.Add($"echo: {ServerErrorText.OneLine(e.Message, 200)}");
            return false;
        }
    }

    private static async Task<int> TopLogProbsAsync(ProbeTransport transport, RemoteModelId id, List<string> notes, CancellationToken ct)
    {
        foreach (var asked in TopLogProbRequests)
        {
            var body = ChatBody(id);
            body["logprobs"] = true;
            body["top_logprobs"] = asked;
            var answer = await transport.PostAsync("/chat/completions", body, ct);
            if (!IsChat(answer))
            {
                notes.Add($"top_logprobs: {asked} refused: {answer.Describe()}");
                if (answer.Status is 400 or 422) continue;
                return 0;
            }
            var first = answer.Json?["choices"]?[0]?["logprobs"]?["content"] is JsonArray { Count: > 0 } content ? content[0] : null;
            var count = first?["top_logprobs"] is JsonArray entries ? entries.Count : 0;
            if (count == 0) notes.Add($"top_logprobs: asked for {asked}, the answer has none (ignored)");
            else if (count < asked) notes.Add($"top_logprobs: asked for {asked}, got {count}");
            return count;
        }
        return 0;
    }

    private static async Task<bool> SeedAsync(ProbeTransport transport, RemoteModelId id, bool chat, bool completions, List<string> notes,
        CancellationToken ct)
    {
        if (!chat && !completions) return false;
        var body = chat ? ChatBody(id) : CompletionsBody(id);
        body["seed"] = ProbeSeed;
        var answer = await transport.PostAsync(chat ? "/chat/completions" : "/completions", body, ct);
        var accepted = chat ? IsChat(answer) : IsCompletion(answer);
        Note(notes, "seed", answer, accepted);
        return accepted;
    }

    internal static JsonObject ChatBody(RemoteModelId id) => new()
    {
        ["model"] = id.ModelName,
        ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Say yes." }),
        ["max_tokens"] = 1,
        ["temperature"] = 0.0,
    };

    private static JsonObject CompletionsBody(RemoteModelId id) => new()
    {
        ["model"] = id.ModelName,
        ["prompt"] = "Hello",
        ["max_tokens"] = 1,
        ["temperature"] = 0.0,
    };

    private static bool IsChat(ProbeAnswer answer) => answer.Ok && answer.Json?["choices"]?[0]?["message"] is JsonObject;

    private static bool IsCompletion(ProbeAnswer answer) =>
        answer.Ok && answer.Json?["choices"]?[0]?["text"] is JsonValue text && text.TryGetValue<string>(out _);

    private static string? Fingerprint(ProbeAnswer answer) =>
        answer.Json?["system_fingerprint"] is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0 ? text : null;

    /// <summary>Notes a check that failed: its status and the server's message, or a 2xx answer of an unexpected shape.</summary>
    private static void Note(List<string> notes, string check, ProbeAnswer answer, bool supported)
    {
        if (supported) return;
        notes.Add(answer.Ok ? $"{check}: {answer.Describe()} without the expected choices[0]" : $"{check}: {answer.Describe()}"
            + (answer.Transient ? " (server busy or failing: not a verdict)" : ""));
    }
}
