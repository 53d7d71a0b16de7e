using System.Security.Cryptography;
using CaiEvents.Models.Demo;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CaiEvents.Models.Preference;

/// <summary>
/// A preference (reward) model r(x, y): a <see cref="Gpt2Model"/> backbone (<c>transformer</c>) and a scalar linear
/// head (<c>score</c>, C → 1) read at the last real token of <see cref="Format"/>(prompt, response). The head applied at
/// every position (<see cref="TokenScores"/>) doubles as a value function for PPO.
/// On disk it is a Hugging Face style GPT-2 directory whose <c>model.safetensors</c> also holds <c>score.weight</c> [1, C]
/// and <c>score.bias</c> [1]; the checkpoint hash is that file's sha256. Use it on the <see cref="TorchThread"/>
/// (or through <see cref="RewardScorer"/>), like every local model.
/// </summary>
public sealed class RewardModel : nn.Module<Tensor, Tensor, Tensor>
{
    public const string ScoreWeightName = "score.weight";
    public const string ScoreBiasName = "score.bias";

    private static readonly IReadOnlyDictionary<string, string> Metadata = new Dictionary<string, string> { ["format"] = "pt" };

    private readonly Gpt2Model transformer;
    private readonly Linear score;

    private RewardModel(Gpt2Model backbone, Gpt2Tokenizer tokenizer) : base(nameof(RewardModel))
    {
        transformer = backbone;
        score = nn.Linear(backbone.Config.NEmbd, 1, dtype: backbone.DType, device: backbone.Device);
        Tokenizer = tokenizer;
        RegisterComponents();
    }

    public Gpt2Model Backbone => transformer;

    public Gpt2Tokenizer Tokenizer { get; }

    public Gpt2Config Config => transformer.Config;

    public Device Device => transformer.Device;

    /// <summary>The one text layout every (prompt, response) is scored in: <c>Human: {prompt}\n\nAssistant: {response}</c>.</summary>
    public static string Format(string prompt, string response)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(response);
        return DemoFormats.Exchange(prompt, response);
    }

    /// <summary>
    /// Token ids of <see cref="Format"/>(prompt, response), left-truncated to the context length (the response's end,
    /// where the score is read, is always kept). Never empty.
    /// </summary>
    public int[] Encode(string prompt, string response)
    {
        var ids = Tokenizer.Encode(Format(prompt, response));
        if (ids.Length == 0) return [Tokenizer.EndOfTextId];
        return ids.Length > Config.NPositions ? ids[^Config.NPositions..] : ids;
    }

    /// <summary>
    /// Rows left-padded to one width (pad id = end-of-text, mask 0), as <see cref="Gpt2TextModel"/> pads prompts:
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
        var hidden = transformer.HiddenStates(inputIds, attentionMask);
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
    /// A reward model over <paramref name="backbone"/> (taken over) with a fresh head: weight normal(0, 0.02) from
    /// <paramref name="headSeed"/>, bias 0. The head lives on the backbone's device and dtype.
    /// </summary>
    public static RewardModel FromBackbone(Gpt2Model backbone, Gpt2Tokenizer tokenizer, long headSeed)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentNullException.ThrowIfNull(tokenizer);
        var model = new RewardModel(backbone, tokenizer);
        model.InitializeHead(headSeed);
        return model;
    }

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
    /// a plain GPT-2 directory (a policy or base checkpoint) gets a fresh head from <paramref name="headSeed"/>.
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
            if (!File.Exists(Path.Combine(directory, Gpt2Checkpoint.WeightsFileName)))
                throw new ArgumentException($"{DemoModel.ModelId} is not trained yet ({directory} has no model): run ./cai model train-demo");
        }
        else if (modelId.StartsWith(ModelCatalog.HfScheme, StringComparison.Ordinal) && modelId.Length > ModelCatalog.HfScheme.Length)
        {
            directory = modelId[ModelCatalog.HfScheme.Length..];
        }
        else
        {
            throw new ArgumentException(
                $"Model '{modelId}' cannot be a preference model here; expected builtin:tiny, builtin:demo or hf:<directory> (a local GPT-2).",
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
        var (device, dtype) = options.Resolve();
        if (!Directory.Exists(directory)) throw new CheckpointFormatException(directory, null, "model directory not found");
        var config = Gpt2Config.Load(Path.Combine(directory, Gpt2Config.FileName)).WithoutDropout();
        var tokenizer = Gpt2Tokenizer.Load(directory);
        var weightsPath = Path.Combine(directory, Gpt2Checkpoint.WeightsFileName);
        using var file = SafeTensors.Read(weightsPath);
        var backbone = new Gpt2Model(config);
        try
        {
            var head = file.Tensors.Where(t => t.Key is ScoreWeightName or ScoreBiasName).ToDictionary(t => t.Key, t => t.Value);
            // A view without the head for the backbone loader (the file still owns every tensor).
            var body = new OrderedDictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var (name, t) in file.Tensors.Where(t => !head.ContainsKey(t.Key))) body.Add(name, t);
            Gpt2Checkpoint.LoadWeights(backbone, new SafeTensorsFile(body, file.Metadata), weightsPath);
            backbone = backbone.to(device, dtype);
            var model = new RewardModel(backbone, tokenizer);
            if (head.Count == 0 && headSeed is { } seed)
            {
                model.InitializeHead(seed);
                return model;
            }
            if (!head.TryGetValue(ScoreWeightName, out var weight))
                throw new CheckpointFormatException(weightsPath, ScoreWeightName, "missing: not a reward-model checkpoint (no scalar head)");
            if (!head.TryGetValue(ScoreBiasName, out var bias))
                throw new CheckpointFormatException(weightsPath, ScoreBiasName, "missing from the checkpoint");
            if (!weight.shape.SequenceEqual([1L, config.NEmbd]))
                throw new CheckpointFormatException(
                    weightsPath, ScoreWeightName, $"shape [{string.Join(", ", weight.shape)}] does not match [1, {config.NEmbd}]");
            if (!bias.shape.SequenceEqual([1L]))
                throw new CheckpointFormatException(weightsPath, ScoreBiasName, $"shape [{string.Join(", ", bias.shape)}] does not match [1]");
            using (no_grad())
            using (NewDisposeScope())
            {
                model.score.weight!.copy_(weight);
                model.score.bias!.copy_(bias);
            }
            return model;
        }
        catch
        {
            backbone.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes config.json, tokenizer files and model.safetensors (backbone as <c>transformer.*</c>, plus the head)
    /// into <paramref name="directory"/> (created if needed). Deterministic bytes for the same weights.
    /// </summary>
    public void Save(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        // Backbone, config and tokenizer files in the GPT-2 layout; then the weights file again, with the head.
        Gpt2Checkpoint.Save(transformer, Tokenizer, directory);
        using var scope = NewDisposeScope();
        SafeTensors.Write(Path.Combine(directory, Gpt2Checkpoint.WeightsFileName), Tensors(), Metadata);
    }

    /// <summary>sha256 (lower-case hex) of the model.safetensors that <see cref="Save"/> writes for the current weights.</summary>
    public string ComputeSha256()
    {
        using var sha = SHA256.Create();
        using (var hashing = new CryptoStream(Stream.Null, sha, CryptoStreamMode.Write))
        using (var scope = NewDisposeScope())
        {
            SafeTensors.Write(hashing, Tensors(), Metadata);
        }
        return Convert.ToHexStringLower(sha.Hash!);
    }

    /// <summary>sha256 of a directory's model.safetensors (the checkpoint hash).</summary>
    public static string FileSha256(string directory)
    {
        using var stream = File.OpenRead(Path.Combine(directory, Gpt2Checkpoint.WeightsFileName));
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private Dictionary<string, Tensor> Tensors()
    {
        var tensors = Gpt2Checkpoint.HfTensors(transformer);
        tensors[ScoreWeightName] = score.weight!.detach();
        tensors[ScoreBiasName] = score.bias!.detach();
        return tensors;
    }
}
