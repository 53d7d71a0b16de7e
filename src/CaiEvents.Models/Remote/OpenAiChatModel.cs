using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using CaiEvents.Contracts;
using CaiEvents.Models.Chat;

namespace CaiEvents.Models.Remote;

/// <summary>
/// A text model served through an OpenAI-compatible chat-completions endpoint, <c>POST &lt;base url&gt;/chat/completions</c>
/// (vLLM, llama.cpp's server, Ollama, OpenAI): the server applies the model's own chat template to messages.
/// </summary>
/// <remarks>
/// <para>The roles render prompts with <see cref="ChatTemplate"/> (<see cref="ChatTemplates.ServerSide"/>), so every prompt is
/// <see cref="ServerChatMessages"/> text: the messages, then an optional assistant prefill (e.g. <c>The answer is:</c>). A
/// prompt that is not such text is sent as one user message.</para>
/// <para>The prefill: where the server continues a final assistant message (<c>prefill: true</c>, what the probe found), it is
/// sent as a final assistant message with vLLM's <c>continue_final_message: true, add_generation_prompt: false</c>
/// (llama.cpp's server and Ollama continue a final assistant message on their own and ignore those fields). Without it, the
/// prefill text ends the last user message after a blank line (or is a user message of its own when the last message is not
/// the user's), and the model answers in a turn of its own.</para>
/// <para>Scores (labels) come from the top log-probabilities at the answer position (<see cref="TopLogProbOptions"/>): options
/// such as <c>" (A)"</c> and <c>" (B)"</c> are asked for as keys after their shared prefix <c>" ("</c>, which joins the prefill
/// when the server continues it (<c>max_tokens: 1</c>); otherwise <c>max_tokens: 2, temperature: 0</c> reads the keys at
/// position 0, or at position 1 when position 0 is the opening <c>(</c>. Each option's
/// <see cref="ContinuationScore.TotalLogProb"/> is the log of its probability mass (floored); the evidence (request as sent,
/// top log-probabilities as received, total option mass, system fingerprint) is attached to every option. A low mass is not an
/// error here: the Labeller decides with its threshold.</para>
/// <para>HTTP, retries, timeouts and errors: <see cref="OpenAiEndpointClient"/>. Thread-safe.</para>
/// </remarks>
public sealed class OpenAiChatModel : ITextModel
{
    /// <summary>At most this many stop sequences are sent (OpenAI and others reject more); all are applied client-side.</summary>
    public const int MaxServerStopSequences = 4;

    /// <summary>Generated tokens asked for by a scoring request whose prefill the server continues: the answer position only.</summary>
    public const int PrefillScoringTokens = 1;

    /// <summary>Generated tokens asked for by a scoring request without prefill: the key, or the opening '(' and then the key.</summary>
    public const int PlainScoringTokens = 2;

    private const string ChatPath = "/chat/completions";

    /// <summary>Readable JSON (no \u escapes of non-ASCII or '&lt;'): what is sent is also what the audit shows.</summary>
    private static readonly ChatJsonContext Json = new(new JsonSerializerOptions
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    });

    private readonly OpenAiEndpointClient _client;

    /// <param name="modelId"><c>openai:&lt;base url&gt;#&lt;model name&gt;</c>, optionally with <c>?api=chat</c>.</param>
    /// <param name="prefill">Whether the server continues a final assistant message (what the capability probe found).</param>
    /// <param name="options">Key, timeout, retry and top-log-prob settings; null: <see cref="RemoteModelOptions.Default"/>.</param>
    /// <param name="httpClient">A client to use; it is not disposed here. Null: one is created and owned.</param>
    /// <param name="served">The server's <c>/v1/models</c> entry for the model, recorded in <see cref="Identity"/>; null: none known.</param>
    public OpenAiChatModel(string modelId, bool prefill, RemoteModelOptions? options = null, HttpClient? httpClient = null,
        ServedModel? served = null)
    {
        Id = RemoteModelId.Parse(modelId);
        Prefill = prefill;
        _client = new OpenAiEndpointClient(Id.BaseUrl, Id.ModelName, options, httpClient);
        Identity = new ModelIdentity(Id.Id, Id.StandInCheckpointHash, served);
        ChatTemplate = ChatTemplates.ServerSide($"chat template of {Id.BaseUrl}#{Id.ModelName}, applied by the server");
    }

    public RemoteModelId Id { get; }

    /// <summary>True: the prefill is sent as a final assistant message the server continues.</summary>
    public bool Prefill { get; }

    /// <summary>The full id, the labelled stand-in hash and, where given, the server's <c>/v1/models</c> entry.</summary>
    public ModelIdentity Identity { get; }

    /// <summary>The server-side template: the roles render messages, the server applies the model's template.</summary>
    public ChatTemplate? ChatTemplate { get; }

    public string Endpoint => Id.ChatCompletionsEndpoint;

    public async Task<IReadOnlyList<GenerationResult>> GenerateAsync(IReadOnlyList<GenerationRequest> requests,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var results = new GenerationResult[requests.Count];
        await _client.ForEachAsync(requests.Count, async (i, ct) => results[i] = await GenerateOneAsync(requests[i], ct), cancellationToken);
        return results;
    }

    public async Task<IReadOnlyList<ContinuationScore>> ScoreAsync(
        string prompt, IReadOnlyList<string> continuations, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(continuations);
        if (continuations.Count == 0) return [];
        var options = TopLogProbOptions.Split(continuations);
        var (messages, prefill) = Decode(prompt);
        var continued = prefill + options.Prefix;
        var body = new ChatRequestBody
        {
            Model = Id.ModelName,
            Messages = Prefill ? WithPrefill(messages, continued) : WithoutPrefill(messages, prefill),
            MaxTokens = Prefill ? PrefillScoringTokens : PlainScoringTokens,
            // With the answer position prefilled, the model's own untempered probabilities (servers that temper reported
            // log-probabilities leave them alone at 1); without, greedy, so position 1 follows the likeliest position 0.
            Temperature = Prefill ? 1.0 : 0.0,
            TopP = 1.0,
            LogProbs = true,
            TopLogProbs = _client.Options.TopLogProbs,
            ContinueFinalMessage = Prefill && continued.Length > 0 ? true : null,
            AddGenerationPrompt = Prefill && continued.Length > 0 ? false : null,
        };
        var (payload, response, attempts) = await PostAsync(body, scoring: true, cancellationToken);
        var choice = response.Choices is { Count: > 0 } choices ? choices[0] : throw Fail("scoring: the response has no choices[0]", attempts);

        var positions = choice.LogProbs?.Content ?? [];
        var first = positions.Count > 0 ? Listed(positions[0]) : [];
        var chosenFirst = positions.Count > 0 ? Chosen(positions[0]) : null;
        var opening = Prefill ? "" : options.Prefix;
        var second = !Prefill && positions.Count > 1 && TopLogProbOptions.UsesSecondPosition(chosenFirst, opening) ? Listed(positions[1]) : null;
        var masses = TopLogProbOptions.OptionMasses(options.Keys, first, chosenFirst, opening, second);
        var evidence = new OptionEvidence(
            Encoding.UTF8.GetString(payload),
            second is null ? first : [.. first, .. second],
            Math.Min(1.0, masses.Sum()),
            ServedOf(response));
        return continuations.Select((c, i) =>
        {
            var logProb = TopLogProbOptions.LogProbOrFloor(masses[i]);
            return new ContinuationScore(c, logProb, [logProb], evidence);
        }).ToList();
    }

    /// <summary>
    /// Scores several (prompt, options) items, one request each, up to <see cref="RemoteModelOptions.MaxConcurrentRequests"/> at
    /// once (a label's principles and orders are independent questions); result [i] belongs to item i.
    /// </summary>
    public async Task<IReadOnlyList<IReadOnlyList<ContinuationScore>>> ScoreManyAsync(
        IReadOnlyList<(string Prompt, IReadOnlyList<string> Continuations)> items, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        var results = new IReadOnlyList<ContinuationScore>[items.Count];
        await _client.ForEachAsync(items.Count,
            async (i, ct) => results[i] = await ScoreAsync(items[i].Prompt, items[i].Continuations, ct), cancellationToken);
        return results;
    }

    public void Dispose() => _client.Dispose();

    private async Task<GenerationResult> GenerateOneAsync(GenerationRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var sampling = request.Sampling ?? new SamplingParameters();
        var stops = (sampling.StopSequences ?? []).Where(s => !string.IsNullOrEmpty(s)).Distinct(StringComparer.Ordinal).ToList();
        var (messages, prefill) = Decode(request.Prompt);
        var continued = Prefill && prefill.Length > 0;
        var body = new ChatRequestBody
        {
            Model = Id.ModelName,
            Messages = Prefill ? WithPrefill(messages, prefill) : WithoutPrefill(messages, prefill),
            MaxTokens = sampling.MaxNewTokens,
            Temperature = sampling.Temperature,
            TopP = sampling.TopP,
            TopK = sampling.TopK > 0 ? sampling.TopK : null,
            Stop = stops.Count > 0 ? stops.Take(MaxServerStopSequences).ToList() : null,
            Seed = request.Seed,
            ContinueFinalMessage = continued ? true : null,
            AddGenerationPrompt = continued ? false : null,
        };
        var (_, response, attempts) = await PostAsync(body, scoring: false, ct);
        var content = response.Choices is { Count: > 0 } choices ? choices[0].Message?.Content : null;
        if (content is null)
            throw Fail("the response has no choices[0].message.content", attempts);
        var text = StorableText.From(SamplingMath.TextBeforeStop(content, stops) ?? content);
        return new GenerationResult(text, response.Usage?.PromptTokens ?? 0, response.Usage?.CompletionTokens ?? 0, ServedOf(response));
    }

    /// <summary>The messages and the prefill of a prompt; a prompt that is not <see cref="ServerChatMessages"/> text is one user message.</summary>
    private static (IReadOnlyList<ChatMessage> Messages, string Prefill) Decode(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        try
        {
            return ServerChatMessages.Decode(prompt);
        }
        catch (FormatException)
        {
            return ([ChatMessage.FromUser(prompt)], "");
        }
    }

    /// <summary>The prefill as a final assistant message (appended to one that is already last).</summary>
    private static List<ChatRequestMessage> WithPrefill(IReadOnlyList<ChatMessage> messages, string prefill)
    {
        var wire = messages.Select(m => new ChatRequestMessage(m.Role, m.Content)).ToList();
        if (prefill.Length == 0) return wire;
        if (wire.Count > 0 && wire[^1].Role == ChatMessage.Assistant)
            wire[^1] = wire[^1] with { Content = wire[^1].Content + prefill };
        else
            wire.Add(new ChatRequestMessage(ChatMessage.Assistant, prefill));
        return wire;
    }

    /// <summary>The prefill after a blank line at the end of the last user message (or as a user message when the last is not).</summary>
    private static List<ChatRequestMessage> WithoutPrefill(IReadOnlyList<ChatMessage> messages, string prefill)
    {
        var wire = messages.Select(m => new ChatRequestMessage(m.Role, m.Content)).ToList();
        if (prefill.Trim().Length == 0) return wire;
        if (wire.Count > 0 && wire[^1].Role == ChatMessage.User)
            wire[^1] = wire[^1] with { Content = wire[^1].Content.TrimEnd() + "\n\n" + prefill.Trim() };
        else
            wire.Add(new ChatRequestMessage(ChatMessage.User, prefill.Trim()));
        return wire;
    }

    /// <summary>A position's top log-probabilities, or, when the server lists none, the generated token alone.</summary>
    private static List<TopLogProb> Listed(ChatTokenLogProb position)
    {
        // A null log-prob (pydantic writes null for -inf) is listed with the floor: the token was there, with no probability.
        var listed = (position.TopLogProbs ?? [])
            .Where(t => t.Token is not null)
            .Select(t => new TopLogProb(StorableText.From(t.Token!), TopLogProbOptions.Recordable(t.LogProb ?? double.NegativeInfinity)))
            .ToList();
        if (listed.Count > 0) return listed;
        return Chosen(position) is { } chosen ? [chosen] : [];
    }

    private static TopLogProb? Chosen(ChatTokenLogProb position) =>
        position.Token is { } token
            ? new TopLogProb(StorableText.From(token), TopLogProbOptions.Recordable(position.LogProb ?? double.NegativeInfinity))
            : null;

    private ServedModel? ServedOf(ChatResponseBody response) =>
        string.IsNullOrEmpty(response.SystemFingerprint)
            ? null
            : new ServedModel(string.IsNullOrEmpty(response.Model) ? Id.ModelName : response.Model, SystemFingerprint: response.SystemFingerprint);

    private async Task<(byte[] Payload, ChatResponseBody Body, int Attempts)> PostAsync(ChatRequestBody body, bool scoring, CancellationToken ct)
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(body, Json.ChatRequestBody);
        var response = await _client.PostJsonAsync(ChatPath, payload, Hint(body, scoring), ct);
        try
        {
            var parsed = JsonSerializer.Deserialize(response.Body, Json.ChatResponseBody) ?? throw Fail("the response body is null", response.Attempts);
            return (payload, parsed, response.Attempts);
        }
        catch (JsonException e)
        {
            throw Fail($"the response is not a chat-completions object: {ServerErrorText.OneLine(e.Message, 200)}", response.Attempts, e);
        }
    }

    /// <summary>What a 400/422/501 answer may be about: the fields not every server accepts.</summary>
    private static string Hint(ChatRequestBody body, bool scoring)
    {
        var sent = new List<string>();
        if (scoring) sent.Add($"logprobs=true, top_logprobs={body.TopLogProbs}");
        if (body.ContinueFinalMessage is true) sent.Add("continue_final_message=true, add_generation_prompt=false");
        if (body.TopK is { } k) sent.Add($"top_k={k}");
        return sent.Count == 0 ? "" : $" (this request sends {string.Join(", ", sent)}; the server may not support them)";
    }

    private RemoteModelException Fail(string what, int attempts, Exception? inner = null) =>
        _client.Fail(HttpMethod.Post, ChatPath, what, attempts, inner: inner);
}
