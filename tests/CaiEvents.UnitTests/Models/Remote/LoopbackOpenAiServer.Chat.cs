using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace CaiEvents.TestSupport;

/// <summary>
/// The chat side of the loopback server: <c>POST /v1/chat/completions</c> and <c>GET /v1/models</c> in the documented shapes of
/// the <see cref="Flavour"/> (vLLM, llama.cpp's server, Ollama, OpenAI), field for field, with the choices a test needs:
/// ignoring <c>top_logprobs</c> or log-probs altogether, rejecting parameters with the flavour's 400, and (through the shared
/// fault queue) 429 with Retry-After, 5xx and delays.
/// </summary>
/// <remarks>
/// <para>Generation: the text is <see cref="RespondToChat"/>(call), cut to <c>max_tokens</c> tokens of <see cref="Tokenize"/> and
/// at the first stop sequence. With <c>logprobs: true</c>, every generated token gets an entry (token, logprob, UTF-8 bytes, and
/// llama.cpp's token id) whose <c>top_logprobs</c> are the first <c>top_logprobs</c> entries of <see cref="TopLogProbsAt"/>
/// (the generated token's own log-probability is its entry there, else <see cref="TokenLogProb"/>).</para>
/// </remarks>
public sealed partial class LoopbackOpenAiServer
{
    /// <summary>Whose response shapes, error body, prefill behaviour and rejected parameters this server reproduces.</summary>
    public ServerFlavour Flavour { get; set; } = ServerFlavour.Vllm;

    public string ChatCompletionsEndpoint => BaseUrl + "/chat/completions";

    /// <summary>True: <c>/v1/completions</c> answers 404, like a chat-only gateway.</summary>
    public bool ChatOnly { get; set; }

    /// <summary>True: log-prob entries come back with empty <c>top_logprobs</c>, as from a server that ignores the parameter.</summary>
    public bool IgnoreTopLogProbs { get; set; }

    /// <summary>True: choices carry no log-probs at all (<c>"logprobs": null</c>, or no field for llama.cpp), whatever is asked.</summary>
    public bool IgnoreLogProbs { get; set; }

    /// <summary>
    /// Request fields answered with 400 in the flavour's error shape. Null: the flavour's own (OpenAI: <c>continue_final_message</c>,
    /// <c>add_generation_prompt</c>, <c>top_k</c>; the others none).
    /// </summary>
    public IReadOnlyCollection<string>? RejectedParameters { get; set; }

    /// <summary>The largest <c>top_logprobs</c> accepted (vLLM's default max_logprobs and OpenAI's limit: 20); more: 400.</summary>
    public int MaxTopLogProbs { get; set; } = 20;

    /// <summary>What the assistant writes (before max_tokens and stop are applied). Default: a fixed sentence.</summary>
    public Func<ChatCall, string> RespondToChat { get; set; } = _ => " I am a loopback model. Nothing more to say.";

    /// <summary>
    /// The most likely tokens at generated position <c>position</c> (0-based), best first, given the token generated there.
    /// Default: that token alone, with <see cref="TokenLogProb"/>(position + 1, token).
    /// </summary>
    public Func<ChatCall, int, string, IReadOnlyList<KeyValuePair<string, double>>>? TopLogProbsAt { get; set; }

    /// <summary>Rewrites a chat response's JSON text before it is sent (e.g. to write <c>-Infinity</c> as Python's json module does).</summary>
    public Func<string, string>? RewriteChatResponse { get; set; }

    /// <summary>The <c>system_fingerprint</c> sent; null: the flavour's own (vLLM: null; llama.cpp: a build tag; Ollama: fp_ollama).</summary>
    public string? SystemFingerprint { get; set; }

    /// <summary>vLLM's <c>root</c> of the <c>/v1/models</c> entry (the path or hub id the weights were loaded from).</summary>
    public string ModelRoot { get; set; } = "/models/loopback-model";

    /// <summary>vLLM's <c>max_model_len</c> and llama.cpp's <c>n_ctx_train</c>.</summary>
    public int MaxModelLength { get; set; } = 2048;

    /// <summary>The model names <c>/v1/models</c> lists. Default: <see cref="DefaultModelName"/>.</summary>
    public IReadOnlyList<string> ServedModelNames { get; set; } = [DefaultModelName];

    /// <summary>The fingerprint this flavour sends when <see cref="SystemFingerprint"/> is not set.</summary>
    public string? FlavourFingerprint => SystemFingerprint ?? Flavour switch
    {
        ServerFlavour.LlamaCpp => "b5000-loopback",
        ServerFlavour.Ollama => "fp_ollama",
        ServerFlavour.OpenAi => "fp_0a1b2c3d4e",
        _ => null,
    };

    /// <summary>
    /// Whether this flavour continues the request's final assistant message instead of opening a new turn: vLLM when asked with
    /// <c>continue_final_message: true</c>; llama.cpp's server and Ollama on their own; OpenAI never.
    /// </summary>
    public bool ContinuesFinalMessage(ChatCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        if (call.FinalAssistantText is null) return false;
        return Flavour switch
        {
            ServerFlavour.Vllm => call.ContinueFinalMessage is true,
            ServerFlavour.LlamaCpp or ServerFlavour.Ollama => true,
            _ => false,
        };
    }

    private IReadOnlyCollection<string> Rejected => RejectedParameters ?? (Flavour == ServerFlavour.OpenAi
        ? ["continue_final_message", "add_generation_prompt", "top_k"]
        : []);

    private async Task HandleChatAsync(HttpContext context)
    {
        var body = await ReceiveAsync(context, (status, message) => FlavourError(context, status, message, null));
        if (body is null) return;
        foreach (var name in Rejected)
        {
            if (body.ContainsKey(name))
            {
                await FlavourError(context, 400, $"Unrecognized request argument supplied: {name}", name);
                return;
            }
        }

        ChatCall call;
        try
        {
            call = ChatCall.From(body);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or JsonException)
        {
            await FlavourError(context, 400, e.Message, null);
            return;
        }
        if (call.TopLogProbs is { } asked && (asked < 0 || asked > MaxTopLogProbs))
        {
            await FlavourError(context, 400, $"top_logprobs must be between 0 and {MaxTopLogProbs}, got {asked}", "top_logprobs");
            return;
        }
        if (Flavour == ServerFlavour.Vllm && call.ContinueFinalMessage is true && call.AddGenerationPrompt is not false)
        {
            await FlavourError(context, 400, "Cannot set both `continue_final_message` and `add_generation_prompt` to True.", null);
            return;
        }

        var tokens = Tokenize(RespondToChat(call)).Take(Math.Max(0, call.MaxTokens)).ToList();
        var text = string.Concat(tokens);
        var stop = call.Stop.Select(s => (Stop: s, At: text.IndexOf(s, StringComparison.Ordinal))).Where(x => x.At >= 0)
            .OrderBy(x => x.At).Select(x => ((string Stop, int At)?)x).FirstOrDefault();
        if (stop is { } hit)
        {
            text = text[..hit.At];
            tokens = Tokenize(text).ToList();
        }
        var finish = stop is not null || tokens.Count < call.MaxTokens ? "stop" : "length";
        var promptTokens = call.Messages.Sum(m => Tokenize(m.Content).Count + 4);
        var logProbs = call.LogProbs && !IgnoreLogProbs ? ChatLogProbs(call, tokens) : null;

        var response = Flavour switch
        {
            ServerFlavour.Vllm => VllmChat(call, text, finish, stop?.Stop, logProbs, promptTokens, tokens.Count),
            ServerFlavour.LlamaCpp => LlamaCppChat(call, text, finish, logProbs, promptTokens, tokens.Count),
            ServerFlavour.Ollama => OllamaChat(call, text, finish, logProbs, promptTokens, tokens.Count),
            _ => OpenAiChat(call, text, finish, logProbs, promptTokens, tokens.Count),
        };
        var json = response.ToJsonString();
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(RewriteChatResponse?.Invoke(json) ?? json, context.RequestAborted);
    }

    private async Task HandleModelsAsync(HttpContext context)
    {
        var body = await ReceiveAsync(context, (status, message) => FlavourError(context, status, message, null));
        if (body is null) return;
        var data = new JsonArray(ServedModelNames.Select(name => (JsonNode?)ModelEntry(name)).ToArray());
        var list = new JsonObject { ["object"] = "list", ["data"] = data };
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(list.ToJsonString(), context.RequestAborted);
    }

    /// <summary>One <c>/v1/models</c> entry in the flavour's shape.</summary>
    private JsonObject ModelEntry(string name) => Flavour switch
    {
        ServerFlavour.Vllm => new JsonObject
        {
            ["id"] = name,
            ["object"] = "model",
            ["created"] = 1700000000,
            ["owned_by"] = "vllm",
            ["root"] = ModelRoot,
            ["parent"] = null,
            ["max_model_len"] = MaxModelLength,
            ["permission"] = new JsonArray(new JsonObject
            {
                ["id"] = "modelperm-loopback",
                ["object"] = "model_permission",
                ["created"] = 1700000000,
                ["allow_create_engine"] = false,
                ["allow_sampling"] = true,
                ["allow_logprobs"] = true,
                ["allow_search_indices"] = false,
                ["allow_view"] = true,
                ["allow_fine_tuning"] = false,
                ["organization"] = "*",
                ["group"] = null,
                ["is_blocking"] = false,
            }),
        },
        ServerFlavour.LlamaCpp => new JsonObject
        {
            ["id"] = name,
            ["object"] = "model",
            ["created"] = 1700000000,
            ["owned_by"] = "llamacpp",
            ["meta"] = new JsonObject
            {
                ["vocab_type"] = 2,
                ["n_vocab"] = 32000,
                ["n_ctx_train"] = MaxModelLength,
                ["n_embd"] = 64,
                ["n_params"] = 1000000,
                ["size"] = 4000000,
            },
        },
        ServerFlavour.Ollama => new JsonObject { ["id"] = name, ["object"] = "model", ["created"] = 1700000000, ["owned_by"] = "library" },
        _ => new JsonObject { ["id"] = name, ["object"] = "model", ["created"] = 1700000000, ["owned_by"] = "system" },
    };

    /// <summary><c>{"content": [...]}</c>: one entry per generated token.</summary>
    private JsonObject ChatLogProbs(ChatCall call, IReadOnlyList<string> tokens)
    {
        var content = new JsonArray();
        for (var i = 0; i < tokens.Count; i++)
        {
            var ranked = TopLogProbsAt?.Invoke(call, i, tokens[i]) ?? [new(tokens[i], TokenLogProb(i + 1, tokens[i]))];
            var own = ranked.Where(e => e.Key == tokens[i]).Select(e => (double?)e.Value).FirstOrDefault() ?? TokenLogProb(i + 1, tokens[i]);
            var entry = LogProbEntry(tokens[i], own);
            var top = new JsonArray();
            if (!IgnoreTopLogProbs)
            {
                foreach (var (token, logProb) in ranked.Take(call.TopLogProbs ?? 0)) top.Add(LogProbEntry(token, logProb));
            }
            entry["top_logprobs"] = top;
            content.Add(entry);
        }
        var logProbs = new JsonObject { ["content"] = content };
        if (Flavour == ServerFlavour.OpenAi) logProbs["refusal"] = null;
        return logProbs;
    }

    private JsonObject LogProbEntry(string token, double logProb)
    {
        var bytes = new JsonArray(Encoding.UTF8.GetBytes(token).Select(b => (JsonNode?)(int)b).ToArray());
        return Flavour == ServerFlavour.LlamaCpp
            ? new JsonObject { ["id"] = TokenId(token), ["token"] = token, ["bytes"] = bytes, ["logprob"] = logProb }
            : new JsonObject { ["token"] = token, ["logprob"] = logProb, ["bytes"] = bytes };
    }

    /// <summary>A stable stand-in token id (llama.cpp lists ids): the UTF-8 bytes folded into [0, 32000).</summary>
    private static int TokenId(string token) => Encoding.UTF8.GetBytes(token).Aggregate(17, (h, b) => (h * 31 + b) % 32000);

    private JsonObject VllmChat(ChatCall call, string text, string finish, string? stopString, JsonObject? logProbs, int prompt, int completion) => new()
    {
        ["id"] = $"chatcmpl-loopback{RequestCount}",
        ["object"] = "chat.completion",
        ["created"] = 1700000000,
        ["model"] = call.Model,
        ["choices"] = new JsonArray(new JsonObject
        {
            ["index"] = 0,
            ["message"] = new JsonObject
            {
                ["role"] = "assistant",
                ["content"] = text,
                ["refusal"] = null,
                ["annotations"] = null,
                ["audio"] = null,
                ["function_call"] = null,
                ["tool_calls"] = new JsonArray(),
                ["reasoning_content"] = null,
            },
            ["logprobs"] = logProbs,
            ["finish_reason"] = finish,
            ["stop_reason"] = stopString,
        }),
        ["service_tier"] = null,
        ["system_fingerprint"] = FlavourFingerprint,
        ["usage"] = new JsonObject
        {
            ["prompt_tokens"] = prompt,
            ["total_tokens"] = prompt + completion,
            ["completion_tokens"] = completion,
            ["prompt_tokens_details"] = null,
        },
        ["prompt_logprobs"] = null,
        ["kv_transfer_params"] = null,
    };

    private JsonObject LlamaCppChat(ChatCall call, string text, string finish, JsonObject? logProbs, int prompt, int completion)
    {
        var choice = new JsonObject
        {
            ["finish_reason"] = finish,
            ["index"] = 0,
            ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = text },
        };
        if (logProbs is not null) choice["logprobs"] = logProbs; // llama.cpp leaves the field out when not asked
        return new JsonObject
        {
            ["choices"] = new JsonArray(choice),
            ["created"] = 1700000000,
            ["model"] = call.Model,
            ["system_fingerprint"] = FlavourFingerprint,
            ["object"] = "chat.completion",
            ["usage"] = new JsonObject { ["completion_tokens"] = completion, ["prompt_tokens"] = prompt, ["total_tokens"] = prompt + completion },
            ["id"] = $"chatcmpl-loopback{RequestCount}",
            ["timings"] = new JsonObject
            {
                ["prompt_n"] = prompt,
                ["prompt_ms"] = 1.5,
                ["prompt_per_token_ms"] = prompt == 0 ? 0 : 1.5 / prompt,
                ["prompt_per_second"] = prompt / 0.0015,
                ["predicted_n"] = completion,
                ["predicted_ms"] = 2.5,
                ["predicted_per_token_ms"] = completion == 0 ? 0 : 2.5 / completion,
                ["predicted_per_second"] = completion / 0.0025,
            },
        };
    }

    private JsonObject OllamaChat(ChatCall call, string text, string finish, JsonObject? logProbs, int prompt, int completion)
    {
        var choice = new JsonObject
        {
            ["index"] = 0,
            ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = text },
            ["finish_reason"] = finish,
        };
        if (logProbs is not null) choice["logprobs"] = logProbs;
        return new JsonObject
        {
            ["id"] = $"chatcmpl-{RequestCount}",
            ["object"] = "chat.completion",
            ["created"] = 1700000000,
            ["model"] = call.Model,
            ["system_fingerprint"] = FlavourFingerprint,
            ["choices"] = new JsonArray(choice),
            ["usage"] = new JsonObject { ["prompt_tokens"] = prompt, ["completion_tokens"] = completion, ["total_tokens"] = prompt + completion },
        };
    }

    private JsonObject OpenAiChat(ChatCall call, string text, string finish, JsonObject? logProbs, int prompt, int completion) => new()
    {
        ["id"] = $"chatcmpl-Loopback{RequestCount}",
        ["object"] = "chat.completion",
        ["created"] = 1700000000,
        ["model"] = call.Model,
        ["choices"] = new JsonArray(new JsonObject
        {
            ["index"] = 0,
            ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = text, ["refusal"] = null, ["annotations"] = new JsonArray() },
            ["logprobs"] = logProbs,
            ["finish_reason"] = finish,
        }),
        ["usage"] = new JsonObject
        {
            ["prompt_tokens"] = prompt,
            ["completion_tokens"] = completion,
            ["total_tokens"] = prompt + completion,
            ["prompt_tokens_details"] = new JsonObject { ["cached_tokens"] = 0, ["audio_tokens"] = 0 },
            ["completion_tokens_details"] = new JsonObject
            {
                ["reasoning_tokens"] = 0,
                ["audio_tokens"] = 0,
                ["accepted_prediction_tokens"] = 0,
                ["rejected_prediction_tokens"] = 0,
            },
        },
        ["service_tier"] = "default",
        ["system_fingerprint"] = FlavourFingerprint,
    };

    /// <summary>An error answer in the flavour's shape.</summary>
    private async Task FlavourError(HttpContext context, int status, string message, string? param)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        var type = status switch
        {
            401 => "authentication_error", 404 => "not_found_error", 429 => "rate_limit_error", >= 500 => "server_error", _ => "invalid_request_error",
        };
        JsonObject body = Flavour switch
        {
            // vLLM's ErrorResponse: flat, with the exception's class name as the type.
            ServerFlavour.Vllm => new JsonObject
            {
                ["object"] = "error",
                ["message"] = message,
                ["type"] = status switch { 404 => "NotFoundError", 429 => "TooManyRequestsError", >= 500 => "InternalServerError", _ => "BadRequestError" },
                ["param"] = param,
                ["code"] = status,
            },
            ServerFlavour.LlamaCpp => new JsonObject
            {
                ["error"] = new JsonObject { ["code"] = status, ["message"] = message, ["type"] = type },
            },
            _ => new JsonObject
            {
                ["error"] = new JsonObject { ["message"] = message, ["type"] = type, ["param"] = param, ["code"] = null },
            },
        };
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }
}
