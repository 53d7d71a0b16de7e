namespace CaiEvents.Models;

/// <summary>
/// Turns a model id from configuration into a loaded <see cref="ITextModel"/>. Ids are
/// <c>scheme:rest</c>; each scheme is one case of <see cref="Load"/>, so new sources (remote models,
/// say) are added there.
/// </summary>
public static class ModelCatalog
{
    /// <summary>Untrained tiny GPT-2 over the byte-level vocabulary, initialised from <see cref="ModelOptions.Seed"/>.</summary>
    public const string BuiltinTiny = "builtin:tiny";

    /// <summary>
    /// Prefix of a Hugging Face directory on disk: <c>hf:/path/to/dir</c>, loaded by the architecture its <c>config.json</c>
    /// <c>model_type</c> names (<see cref="ModelArchitectures"/>).
    /// </summary>
    public const string HfScheme = CaiEvents.Contracts.ModelIds.HfScheme;

    public static IReadOnlyList<string> SupportedModelIds { get; } =
        [BuiltinTiny, Demo.DemoModel.ModelId, Synthetic.EchoModel.ModelId + "[?latency-ms=N][&chat-template=NAME]", HfScheme + "<directory>",
            Gguf.LlamaCppTextModel.Scheme + "<file.gguf>", "openai:<base url>#<model name>"];

    /// <summary>builtin:tiny's shape: 257 tokens (256 bytes + &lt;|endoftext|&gt;), 2 layers of width 64, 4 heads, 512 positions.</summary>
    public static Gpt2Config TinyConfig { get; } = new(
        VocabSize: 257, NPositions: 512, NEmbd: 64, NLayer: 2, NHead: 4, BosTokenId: 256, EosTokenId: 256,
        ResidPdrop: 0, EmbdPdrop: 0, AttnPdrop: 0);

    /// <exception cref="ArgumentException">Unknown id.</exception>
    /// <exception cref="CheckpointFormatException">An hf: directory that is missing or malformed.</exception>
    public static ITextModel Load(string modelId, ModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(modelId);
        ArgumentNullException.ThrowIfNull(options);
        var scheme = modelId.IndexOf(':') is var colon and > 0 ? modelId[..(colon + 1)] : "";
        return scheme switch
        {
            "builtin:" when modelId == BuiltinTiny => Gpt2Architecture.CreateRandom(BuiltinTiny, TinyConfig, Gpt2Tokenizer.ByteLevel(), options),
            HfScheme when modelId.Length > HfScheme.Length => LocalTextModel.Load(modelId, modelId[HfScheme.Length..], options),
            "openai:" => LoadRemote(modelId, options.Remote),
            Gguf.LlamaCppTextModel.Scheme when modelId.Length > Gguf.LlamaCppTextModel.Scheme.Length =>
                Gguf.LlamaCppTextModel.Load(modelId, chatTemplate: options.ChatTemplate),
            "builtin:" when modelId == Demo.DemoModel.ModelId => LoadDemo(options),
            "builtin:" when modelId.StartsWith(Synthetic.EchoModel.ModelId, StringComparison.Ordinal) => Synthetic.EchoModel.Parse(modelId),
            _ => throw new ArgumentException(
                $"Unknown model id '{modelId}'; supported: {string.Join(", ", SupportedModelIds)}.", nameof(modelId)),
        };
    }

    /// <summary>
    /// An <c>openai:URL#NAME[?api=chat|completions]</c> model: the API the suffix names, else the one the server answers (chat first),
    /// probed once per process (<see cref="Remote.RemoteApiSelection"/>); a chat model continues an assistant prefill where the server
    /// accepted one. The probed server's <c>/models</c> entry becomes <see cref="ModelIdentity.Served"/> (a forced API skips the probe).
    /// </summary>
    private static ITextModel LoadRemote(string modelId, Remote.RemoteModelOptions options)
    {
        var id = Remote.RemoteModelId.Parse(modelId);
        options.Validate();
        var choice = Remote.RemoteApiSelection.ChooseAsync(id, id.Api, options).GetAwaiter().GetResult();
        return choice.Api == Remote.RemoteApi.Chat
            ? new Remote.OpenAiChatModel(modelId, choice.Prefill, options, served: choice.Served)
            : new Remote.OpenAiCompatibleModel(modelId, options, served: choice.Served);
    }

    /// <summary>builtin:demo is the cached output of <c>cai model train-demo</c>; it cannot be built here implicitly (minutes of training).</summary>
    private static ITextModel LoadDemo(ModelOptions options)
    {
        var directory = Demo.DemoModel.Directory;
        if (!LocalCheckpoint.Exists(directory))
            throw new ArgumentException($"{Demo.DemoModel.ModelId} is not trained yet ({directory} has no model): run ./cai model train-demo");
        return LocalTextModel.Load(Demo.DemoModel.ModelId, directory, options);
    }

    /// <summary>Writes a local model as a Hugging Face directory of its architecture, loadable again as <c>hf:</c> + <paramref name="directory"/>.</summary>
    /// <exception cref="NotSupportedException">The model is not a local model (the message keeps its GPT-2-era wording).</exception>
    public static void Save(ITextModel model, string directory)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model is not LocalTextModel local)
        {
            throw new NotSupportedException($"Model '{model.Identity.ModelId}' ({model.GetType().Name}) cannot be saved as a GPT-2 directory.");
        }
        local.Save(directory);
    }
}
