using System.Security.Cryptography;
using System.Text.Json;
using CaiEvents.Contracts;
using CaiEvents.Models.Chat;
using CaiEvents.Models.Demo;
using CaiEvents.Models.Llama;
using CaiEvents.Models.Lora;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CaiEvents.Models.Preference;

/// <summary>
/// A preference (reward) model r(x, y): a decoder backbone (<c>transformer</c>, any <see cref="ICausalLanguageModel"/>) and a
/// scalar linear head (<c>score</c>, C → 1, C = <see cref="ICausalLanguageModel.HiddenSize"/>) read at the last real token of
/// <see cref="FormatExchange"/>(prompt, response): the backbone's chat format when it has a template, else <see cref="Format"/>.
/// The head applied at every position (<see cref="TokenScores"/>) doubles as a value function for PPO. On disk it is the
/// backbone's Hugging Face directory (its <see cref="ILocalArchitecture"/>'s layout) whose
/// weights also hold <c>score.weight</c> [1, C] and <c>score.bias</c> [1]; the checkpoint hash is the architecture's
/// (for GPT-2, the sha256 of <c>model.safetensors</c>). A model scored in a chat format also saves <see cref="FormatFileName"/>, naming
/// that format, and refuses to load as another. With LoRA (<see cref="AttachAdapters"/>) only the adapters and the head train; it saves as
/// a PEFT adapter directory (task_type SEQ_CLS, the head as <c>modules_to_save</c>) naming its base, and its checkpoint hash combines
/// the base's and the adapter file's (<see cref="PeftAdapter.CombinedSha256"/>). Use it on the <see cref="TorchThread"/>
/// (or through <see cref="RewardScorer"/>), like every local model.
/// </summary>
public sealed class RewardModel : nn.Module<Tensor, Tensor, Tensor>
{
    public const string ScoreWeightName = "score.weight";
    public const string ScoreBiasName = "score.bias";

    /// <summary>The file beside the weights that names the chat format a reward model scores in (absent: <see cref="TextFormat"/>).</summary>
    public const string FormatFileName = "reward_format.json";

    /// <summary>The name of the paper's <c>Human:/Assistant:</c> text layout (<see cref="Format"/>).</summary>
    public const string TextFormat = "human-assistant";

    /// <summary>The head's module name: PEFT's <c>modules_to_save</c> entry of a reward model's adapter.</summary>
    public const string HeadModuleName = "score";

    private static readonly IReadOnlySet<string> HeadTensorNames = new HashSet<string>(StringComparer.Ordinal) { ScoreWeightName, ScoreBiasName };

    // Typed as a module so that RegisterComponents names its weights transformer.*; Backbone is the same object.
    private readonly nn.Module transformer;
    private readonly Linear score;

    private RewardModel(ILocalArchitecture architecture, ICausalLanguageModel backbone, ITextTokenizer tokenizer, string? chatTemplateName = null)
        : base(nameof(RewardModel))
    {
        transformer = backbone as nn.Module
            ?? throw new ArgumentException($"The backbone must be an nn.Module, not a {backbone.GetType().Name}.", nameof(backbone));
        Architecture = architecture;
        score = nn.Linear(backbone.HiddenSize, 1, dtype: backbone.DType, device: backbone.Device);
        Tokenizer = tokenizer;
        ChatTemplate = LocalTextModel.ChatTemplateOf(tokenizer, chatTemplateName);
        RegisterComponents();
    }

    /// <summary>
    /// The backbone's chat template (its <c>tokenizer_config.json</c>, or <see cref="ModelOptions.ChatTemplate"/> when loaded with
    /// one), as <see cref="LocalTextModel.ChatTemplate"/> finds it for the same directory; null: the paper's text layout.
    /// </summary>
    public ChatTemplate? ChatTemplate { get; }

    /// <summary>The format (prompt, response) is scored in: the template's provenance name, or <see cref="TextFormat"/>.</summary>
    public string FormatName => ChatTemplate?.ProvenanceName ?? TextFormat;

    /// <summary>The backbone network (computed, so that RegisterComponents sees it once, as <c>transformer</c>).</summary>
    public ICausalLanguageModel Backbone => (ICausalLanguageModel)transformer;

    /// <summary>Saves and hashes the backbone in its family's layout (the head goes beside its weights).</summary>
    public ILocalArchitecture Architecture { get; }

    public ITextTokenizer Tokenizer { get; }

    /// <summary>Most tokens one scored row may hold (the backbone's context length).</summary>
    public int ContextLength => Backbone.ContextLength;

    /// <summary>Width of the backbone's logits.</summary>
    public int VocabSize => Backbone.VocabSize;

    public Device Device => Backbone.Device;

    /// <summary>The LoRA adapters on the backbone (its base weights frozen; the head still trains), or null for a fully trained model.</summary>
    public LoraAdapters? Adapters { get; private set; }

    /// <summary>With adapters: the base directory they are saved against and its checkpoint hash (<see cref="FileSha256"/>).</summary>
    public AdapterBase? AdapterBase { get; private set; }

    /// <summary>
    /// Attaches fresh adapters of <paramref name="config"/> to the backbone (A from <paramref name="seed"/>, B zero: scores unchanged) and
    /// freezes its base weights; the head keeps training. <paramref name="baseDirectory"/> holds the backbone's weights as they are now
    /// (the adapter names it). Call it on the <see cref="TorchThread"/> before training.
    /// </summary>
    public LoraAdapters AttachAdapters(LoraConfig config, long seed, string baseDirectory)
    {
        if (Adapters is not null) throw new InvalidOperationException("This model already carries LoRA adapters.");
        var directory = Path.GetFullPath(baseDirectory);
        Adapters = LoraAdapters.Attach(Backbone, config, seed);
        AdapterBase = new AdapterBase(directory, FileSha256(directory));
        return Adapters;
    }

    /// <summary>The one text layout every (prompt, response) is scored in: <c>Human: {prompt}\n\nAssistant: {response}</c>.</summary>
    public static string Format(string prompt, string response)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(response);
        return DemoFormats.Exchange(prompt, response);
    }

    /// <summary>
    /// (prompt, response) as this model scores it. With a chat template: the response prompt the policy is sampled from (the
    /// prompt as the user turn, then the generation prompt) and the response as the assistant's turn, closed by the template's
    /// end of turn, so the score is read where a policy's turn ends. Without one: <see cref="Format"/>.
    /// </summary>
    public string FormatExchange(string prompt, string response)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(response);
        return ChatTemplate is { } template
            ? template.Render([ChatMessage.FromUser(prompt)], addGenerationPrompt: true) + response + template.EndOfTurn
            : Format(prompt, response);
    }

    /// <summary>
    /// Token ids of <see cref="FormatExchange"/>(prompt, response) after the tokenizer's begin-of-text id (if any), left-truncated to the
    /// context length (the response's end, where the score is read, is always kept; so is begin-of-text). Never empty.
    /// </summary>
    public int[] Encode(string prompt, string response)
    {
        var ids = Tokenizer.EncodePrompt(FormatExchange(prompt, response));
        if (ids.Length == 0) return [Tokenizer.EndOfTextId];
        return Tokenizer.KeepLast(ids, ContextLength);
    }

    /// <summary>
    /// Rows left-padded to one width (pad id = end-of-text, mask 0), as <see cref="LocalTextModel"/> pads prompts:
    /// ids and attention mask [B, T], int64, on this model's device.
    /// </summary>
    public (Tensor InputIds, Tensor AttentionMask) LeftPad(IReadOnlyList<int[]> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0 || rows.Any(r => r is null || r.Length == 0)) throw new ArgumentException("rows must be non-empty token lists", nameof(rows));
        var width = rows.Max(r => r.Length);
        var ids = new long[rows.Count * width];
        var mask = new long[rows.Count * width];
        for (var b = 0; b < rows.Count; b++)
        {
            var pad = width - rows[b].Length;
            for (var c = 0; c < width; c++)
            {
                ids[b * width + c] = c < pad ? Tokenizer.EndOfTextId : rows[b][c - pad];
                mask[b * width + c] = c < pad ? 0 : 1;
            }
        }
        return (tensor(ids, [rows.Count, width], device: Device), tensor(mask, [rows.Count, width], device: Device));
    }

    /// <summary>The head at every position: [B, T] (float32). Padding positions hold meaningless values.</summary>
    public Tensor TokenScores(Tensor inputIds, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        var hidden = Backbone.HiddenStates(inputIds, attentionMask);
        return score.forward(hidden).squeeze(-1).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// r(x, y) per row: [B] (float32), the head at each row's last real token (mask 1). Works for left padding
    /// (the last column) and for right padding alike.
    /// </summary>
    public Tensor Scores(Tensor inputIds, Tensor attentionMask)
    {
        ArgumentNullException.ThrowIfNull(attentionMask);
        using var scope = NewDisposeScope();
        var perToken = TokenScores(inputIds, attentionMask);
        var last = LastRealIndex(attentionMask);
        return perToken.gather(1, last.unsqueeze(1)).squeeze(1).MoveToOuterDisposeScope();
    }

    /// <summary>Index [B] (int64) of each row's last token whose mask is 1 (0 for a row with none).</summary>
    public static Tensor LastRealIndex(Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        var width = attentionMask.shape[1];
        var positions = arange(width, dtype: ScalarType.Int64, device: attentionMask.device).unsqueeze(0);
        return (attentionMask.to(ScalarType.Int64).ne(0).to(ScalarType.Int64) * positions).argmax(1).MoveToOuterDisposeScope();
    }

    public override Tensor forward(Tensor inputIds, Tensor attentionMask) => Scores(inputIds, attentionMask);

    /// <summary>
    /// A reward model over <paramref name="backbone"/> (taken over; an <see cref="nn.Module"/> of <paramref name="architecture"/>)
    /// with a fresh head: weight normal(0, 0.02) from <paramref name="headSeed"/>, bias 0. The head lives on the backbone's
    /// device and dtype.
    /// </summary>
    public static RewardModel FromBackbone(ILocalArchitecture architecture, ICausalLanguageModel backbone, ITextTokenizer tokenizer, long headSeed)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentNullException.ThrowIfNull(tokenizer);
        var model = new RewardModel(architecture, backbone, tokenizer);
        model.InitializeHead(headSeed);
        return model;
    }

    /// <summary><see cref="FromBackbone(ILocalArchitecture, ICausalLanguageModel, ITextTokenizer, long)"/> for a GPT-2 backbone.</summary>
    public static RewardModel FromBackbone(Gpt2Model backbone, Gpt2Tokenizer tokenizer, long headSeed) =>
        FromBackbone(Gpt2Architecture.Instance, backbone, tokenizer, headSeed);

    /// <summary>Re-draws the head from <paramref name="seed"/> alone (weight normal(0, 0.02), bias 0).</summary>
    public void InitializeHead(long seed)
    {
        using var generator = new Generator(unchecked((ulong)seed));
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        score.weight!.copy_(empty(score.weight!.shape, ScalarType.Float32).normal_(0, 0.02, generator));
        score.bias!.zero_();
    }

    /// <summary>
    /// A reward model from a model id: <c>builtin:tiny</c> (weights from <see cref="ModelOptions.Seed"/>),
    /// <c>builtin:demo</c>, or <c>hf:DIR</c>. A directory that already holds <c>score.*</c> loads as a reward model;
    /// a plain checkpoint directory (a policy or base checkpoint) gets a fresh head from <paramref name="headSeed"/>.
    /// Dropout is switched off (training on CPU stays a pure function of the seed).
    /// </summary>
    /// <exception cref="ArgumentException">Unknown or non-local model id.</exception>
    /// <exception cref="CheckpointFormatException">Missing or malformed directory.</exception>
    public static RewardModel FromModelId(string modelId, ModelOptions options, long headSeed)
    {
        ArgumentNullException.ThrowIfNull(modelId);
        ArgumentNullException.ThrowIfNull(options);
        var (device, dtype) = options.Resolve();
        if (modelId == ModelCatalog.BuiltinTiny)
        {
            var tiny = new Gpt2Model(ModelCatalog.TinyConfig.WithoutDropout());
            tiny.InitializeWeights(options.Seed);
            return FromBackbone(tiny.to(device, dtype), Gpt2Tokenizer.ByteLevel(), headSeed);
        }
        string directory;
        if (modelId == DemoModel.ModelId)
        {
            directory = DemoModel.Directory;
            if (!LocalCheckpoint.Exists(directory))
                throw new ArgumentException($"{DemoModel.ModelId} is not trained yet ({directory} has no model): run ./cai model train-demo");
        }
        else if (modelId.StartsWith(ModelCatalog.HfScheme, StringComparison.Ordinal) && modelId.Length > ModelCatalog.HfScheme.Length)
        {
            directory = modelId[ModelCatalog.HfScheme.Length..];
        }
        else
        {
            throw new ArgumentException(
                $"Model '{modelId}' cannot be a preference model here; expected builtin:tiny, builtin:demo or hf:<directory> (a local TorchSharp model).",
                nameof(modelId));
        }
        return Load(directory, options, headSeed);
    }

    /// <summary>Loads a reward-model directory written by <see cref="Save"/>; the head must be present.</summary>
    public static RewardModel Load(string directory, ModelOptions options) => Load(directory, options, headSeed: null);

    private static RewardModel Load(string directory, ModelOptions options, long? headSeed)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentNullException.ThrowIfNull(options);
        options.Resolve();
        if (PeftAdapter.IsAdapterDirectory(directory) && !LocalCheckpoint.Exists(directory)) return LoadAdapter(directory, options);
        var (architecture, checkpoint) = ModelArchitectures.Load(directory, options, HeadTensorNames, withoutDropout: true);
        var head = checkpoint.ExtraTensors;
        var backbone = checkpoint.Network;
        try
        {
            var model = new RewardModel(architecture, backbone, checkpoint.Tokenizer, options.ChatTemplate);
            if (head.Count == 0 && headSeed is { } seed)
            {
                model.InitializeHead(seed);
                return model;
            }
            // Errors name the single weights file, or the directory of a sharded checkpoint.
            var weightsPath = Path.Combine(directory, LocalCheckpoint.WeightsFileName);
            model.LoadHead(head, File.Exists(weightsPath) ? weightsPath : directory, "", directory);
            return model;
        }
        catch
        {
            (backbone as IDisposable)?.Dispose();
            throw;
        }
        finally
        {
            foreach (var tensor in head.Values)
            {
                tensor.Dispose();
            }
        }
    }

    /// <summary>
    /// A PEFT adapter directory of a reward model: its base loaded with the adapter attached, the head from the adapter's
    /// <c>modules_to_save</c> (both tensors required), in the format it was trained in.
    /// </summary>
    private static RewardModel LoadAdapter(string directory, ModelOptions options)
    {
        var adapted = PeftAdapter.Load(directory, options, withoutDropout: true, savedModules: [HeadModuleName]);
        var backbone = adapted.Base.Network;
        try
        {
            var weightsPath = Path.Combine(directory, PeftAdapter.WeightsFileName);
            var model = new RewardModel(adapted.Architecture, backbone, adapted.Base.Tokenizer, options.ChatTemplate)
            {
                Adapters = adapted.Adapters,
                AdapterBase = new AdapterBase(adapted.Provenance.BaseDirectory, FileSha256(adapted.Provenance.BaseDirectory)),
            };
            model.LoadHead(adapted.SavedModules, weightsPath, LoraNames.PeftPrefix, directory);
            return model;
        }
        catch
        {
            (backbone as IDisposable)?.Dispose();
            throw;
        }
        finally
        {
            foreach (var tensor in adapted.SavedModules.Values)
            {
                tensor.Dispose();
            }
        }
    }

    /// <summary>Copies the head's tensors in, checking presence, shapes and the saved format; errors name <paramref name="where"/>.</summary>
    private void LoadHead(IReadOnlyDictionary<string, Tensor> head, string where, string keyPrefix, string directory)
    {
        if (!head.TryGetValue(ScoreWeightName, out var weight))
            throw new CheckpointFormatException(where, keyPrefix + ScoreWeightName, "missing: not a reward-model checkpoint (no scalar head)");
        if (!head.TryGetValue(ScoreBiasName, out var bias))
            throw new CheckpointFormatException(where, keyPrefix + ScoreBiasName, "missing from the checkpoint");
        if (!weight.shape.SequenceEqual([1L, Backbone.HiddenSize]))
            throw new CheckpointFormatException(
                where, keyPrefix + ScoreWeightName, $"shape [{string.Join(", ", weight.shape)}] does not match [1, {Backbone.HiddenSize}]");
        if (!bias.shape.SequenceEqual([1L]))
            throw new CheckpointFormatException(where, keyPrefix + ScoreBiasName, $"shape [{string.Join(", ", bias.shape)}] does not match [1]");
        var trainedOn = SavedFormat(directory);
        if (trainedOn != FormatName)
            throw new CheckpointFormatException(Path.Combine(directory, FormatFileName), null,
                $"the reward model was trained on (prompt, response) in the {trainedOn} format but would score in {FormatName}; "
                + "load it with the chat template it was trained with");
        using (no_grad())
        using (NewDisposeScope())
        {
            score.weight!.copy_(weight);
            score.bias!.copy_(bias);
        }
    }

    /// <summary>
    /// Writes the backbone's directory (config, tokenizer files, weights) with the head beside its weights into
    /// <paramref name="directory"/> (created if needed); with adapters, a PEFT adapter directory (adapters + head, naming
    /// <see cref="AdapterBase"/>'s directory) instead. Deterministic bytes for the same weights.
    /// </summary>
    public void Save(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        using var scope = NewDisposeScope();
        if (Adapters is not null)
            PeftAdapter.Save(Adapters, directory, AdapterBase!.Directory, SavedHead());
        else
            Architecture.Save(Backbone, Tokenizer, directory, HeadTensors());
        var formatPath = Path.Combine(directory, FormatFileName);
        if (ChatTemplate is null)
        {
            File.Delete(formatPath); // a base model's directory stays as it always was
            return;
        }
        File.WriteAllText(formatPath, JsonSerializer.Serialize(new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["format"] = FormatName,
            ["chat_template_family"] = ChatTemplate.Family,
            ["chat_template_sha256"] = ChatTemplate.Sha256,
        }) + "\n");
    }

    /// <summary>The format a saved reward model was trained in: <see cref="FormatFileName"/>'s <c>format</c>, or <see cref="TextFormat"/>.</summary>
    /// <exception cref="CheckpointFormatException">The file is there but unreadable.</exception>
    public static string SavedFormat(string directory)
    {
        var path = Path.Combine(directory, FormatFileName);
        if (!File.Exists(path)) return TextFormat;
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllText(path));
            return json.RootElement.GetProperty("format").GetString() ?? throw new CheckpointFormatException(path, null, "format is null");
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new CheckpointFormatException(path, null, $"not a reward-format file: {e.Message}", e);
        }
    }

    /// <summary>
    /// The checkpoint hash that <see cref="Save"/> writes for the current weights (for GPT-2, model.safetensors' sha256); with adapters,
    /// the base's hash combined with the adapter file's.
    /// </summary>
    public string ComputeSha256()
    {
        using var scope = NewDisposeScope();
        if (Adapters is not null) return PeftAdapter.CombinedSha256(AdapterBase!.CheckpointHash, AdapterSha256());
        return Architecture.WeightsSha256(Backbone, HeadTensors());
    }

    /// <summary>With adapters: the sha256 of the <c>adapter_model.safetensors</c> that <see cref="Save"/> writes now (adapters + head).</summary>
    public string AdapterSha256()
    {
        if (Adapters is null) throw new InvalidOperationException("This reward model carries no adapters.");
        using var scope = NewDisposeScope();
        return PeftAdapter.WeightsSha256(Adapters, SavedHead());
    }

    /// <summary>
    /// The checkpoint hash of a directory's weight files: the sha256 of its model.safetensors, or for a sharded checkpoint
    /// (<see cref="LocalCheckpoint.ShardIndexFileName"/>) the hash over its index and shards that the Llama family records; for a PEFT
    /// adapter directory, its base's hash combined with the adapter file's (<see cref="PeftAdapter.CombinedSha256"/>).
    /// </summary>
    /// <exception cref="CheckpointFormatException">An adapter directory whose config or base is missing.</exception>
    public static string FileSha256(string directory)
    {
        if (PeftAdapter.IsAdapterDirectory(directory) && !LocalCheckpoint.Exists(directory))
        {
            var config = PeftAdapter.ReadConfig(directory);
            var baseHash = FileSha256(PeftAdapter.BaseDirectory(directory, config.BaseModelNameOrPath));
            using var adapter = File.OpenRead(Path.Combine(directory, PeftAdapter.WeightsFileName));
            return PeftAdapter.CombinedSha256(baseHash, Convert.ToHexStringLower(SHA256.HashData(adapter)));
        }
        if (File.Exists(Path.Combine(directory, LocalCheckpoint.ShardIndexFileName))) return LlamaCheckpoint.ComputeSha256(directory);
        using var stream = File.OpenRead(Path.Combine(directory, LocalCheckpoint.WeightsFileName));
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>True when <paramref name="directory"/> holds a reward model or a base checkpoint, full or as a PEFT adapter.</summary>
    public static bool Exists(string directory) => LocalCheckpoint.Exists(directory) || PeftAdapter.IsAdapterDirectory(directory);

    private PeftSavedModules SavedHead() => new(PeftAdapter.SequenceClassificationTask, HeadTensors());

    private Dictionary<string, Tensor> HeadTensors() => new(StringComparer.Ordinal)
    {
        [ScoreWeightName] = score.weight!.detach(),
        [ScoreBiasName] = score.bias!.detach(),
    };
}
