using System.Text.Json.Nodes;

namespace CaiEvents.TestSupport;

/// <summary>The fields of a chat-completions request the loopback server understands (the whole body is in <see cref="Body"/>).</summary>
public sealed record ChatCall(
    string Model, IReadOnlyList<ChatCallMessage> Messages, int MaxTokens, double? Temperature, double? TopP, int? TopK, long? Seed,
    IReadOnlyList<string> Stop, bool LogProbs, int? TopLogProbs, bool? ContinueFinalMessage, bool? AddGenerationPrompt, JsonObject Body)
{
    public static ChatCall From(JsonObject body)
    {
        var messages = body["messages"] as JsonArray
            ?? throw new InvalidOperationException("messages must be an array of {role, content} objects");
        var parsed = messages.Select(m => m is JsonObject o
                && o["role"] is JsonValue r && r.TryGetValue<string>(out var role)
                && o["content"] is JsonValue c && c.TryGetValue<string>(out var content)
            ? new ChatCallMessage(role, content)
            : throw new InvalidOperationException("each message needs a string role and a string content")).ToList();
        if (parsed.Count == 0) throw new InvalidOperationException("messages must not be empty");
        var stop = CompletionCall.StopSequences(body);
        return new ChatCall(
            Model: body["model"]?.GetValue<string>() ?? throw new InvalidOperationException("model is required"),
            Messages: parsed,
            MaxTokens: body["max_tokens"]?.GetValue<int>() ?? 16,
            Temperature: body["temperature"]?.GetValue<double>(),
            TopP: body["top_p"]?.GetValue<double>(),
            TopK: body["top_k"]?.GetValue<int>(),
            Seed: body["seed"]?.GetValue<long>(),
            Stop: stop,
            LogProbs: body["logprobs"]?.GetValue<bool>() ?? false,
            TopLogProbs: body["top_logprobs"]?.GetValue<int>(),
            ContinueFinalMessage: body["continue_final_message"]?.GetValue<bool>(),
            AddGenerationPrompt: body["add_generation_prompt"]?.GetValue<bool>(),
            Body: body);
    }

    /// <summary>The text of the final message when it is the assistant's (a prefill); null otherwise.</summary>
    public string? FinalAssistantText => Messages[^1].Role == "assistant" ? Messages[^1].Content : null;
}
