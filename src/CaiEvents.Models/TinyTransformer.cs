using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace CaiEvents.Models;

/// <summary>Shape of a <see cref="TinyTransformer"/>.</summary>
public sealed record TinyTransformerConfig(
    int VocabSize,
    int ContextLength = 256,
    int DModel = 64,
    int Heads = 4,
    int Layers = 2,
    double Dropout = 0)
{
    public void Validate()
    {
        if (VocabSize <= 0 || ContextLength <= 1 || DModel <= 0 || Heads <= 0 || Layers <= 0)
        {
            throw new ArgumentException($"Invalid transformer config: {this}.");
        }
        if (DModel % Heads != 0)
        {
            throw new ArgumentException($"DModel ({DModel}) must be divisible by Heads ({Heads}).");
        }
        if (Dropout is < 0 or >= 1)
        {
            throw new ArgumentException($"Dropout must be in [0, 1), got {Dropout}.");
        }
    }
}

/// <summary>
/// Decoder-only transformer: token + learned position embeddings, pre-LayerNorm blocks with causal
/// self-attention and a GELU MLP, a final LayerNorm and an output head tied to the token embedding.
/// Input: token ids [B, T] (int64), T &lt;= ContextLength. Output: logits [B, T, V].
/// </summary>
public sealed class TinyTransformer : nn.Module<Tensor, Tensor>
{
    private readonly Embedding tok_emb;
    private readonly Embedding pos_emb;
    private readonly Dropout drop;
    private readonly ModuleList<TransformerBlock> blocks;
    private readonly LayerNorm ln_f;

    public TinyTransformer(TinyTransformerConfig config) : base(nameof(TinyTransformer))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        tok_emb = nn.Embedding(config.VocabSize, config.DModel);
        pos_emb = nn.Embedding(config.ContextLength, config.DModel);
        drop = nn.Dropout(config.Dropout);
        blocks = nn.ModuleList(Enumerable.Range(0, config.Layers)
            .Select(i => new TransformerBlock($"block{i}", config)).ToArray());
        ln_f = nn.LayerNorm(config.DModel);
        RegisterComponents();
    }

    public TinyTransformerConfig Config { get; }

    public override Tensor forward(Tensor tokens)
    {
        var t = tokens.shape[1];
        if (t > Config.ContextLength)
        {
            throw new ArgumentException($"Sequence length {t} exceeds the context length {Config.ContextLength}.", nameof(tokens));
        }
        var positions = arange(t, dtype: ScalarType.Int64, device: tokens.device);
        var x = drop.forward(tok_emb.forward(tokens) + pos_emb.forward(positions));
        foreach (var block in blocks)
        {
            x = block.forward(x);
        }
        x = ln_f.forward(x);
        return F.linear(x, tok_emb.weight!);  // tied head
    }

    /// <summary>
    /// Re-initialises every parameter from <paramref name="seed"/> alone (independent of torch's
    /// global RNG): normal(0, 0.02) for embeddings and linear weights, zero biases, LayerNorm 1/0.
    /// Same seed, same weights.
    /// </summary>
    public void InitializeWeights(long seed)
    {
        using var generator = new Generator(unchecked((ulong)seed));
        using var noGrad = no_grad();
        // Tensor.normal_ with an explicit generator: nn.init.normal_ ignores its generator argument
        // in TorchSharp 0.107 and would draw from the global RNG.
        foreach (var (_, module) in named_modules())
        {
            switch (module)
            {
                case LayerNorm ln:
                    nn.init.ones_(ln.weight!);
                    nn.init.zeros_(ln.bias!);
                    break;
                case Linear linear:
                    linear.weight!.normal_(0, 0.02, generator);
                    if (linear.bias is not null)
                    {
                        nn.init.zeros_(linear.bias);
                    }
                    break;
                case Embedding embedding:
                    embedding.weight!.normal_(0, 0.02, generator);
                    break;
            }
        }
    }

    private sealed class TransformerBlock : nn.Module<Tensor, Tensor>
    {
        private readonly LayerNorm ln_1;
        private readonly CausalSelfAttention attn;
        private readonly LayerNorm ln_2;
        private readonly Linear mlp_fc;
        private readonly Linear mlp_proj;
        private readonly Dropout mlp_drop;

        public TransformerBlock(string name, TinyTransformerConfig config) : base(name)
        {
            ln_1 = nn.LayerNorm(config.DModel);
            attn = new CausalSelfAttention("attn", config);
            ln_2 = nn.LayerNorm(config.DModel);
            mlp_fc = nn.Linear(config.DModel, 4 * config.DModel);
            mlp_proj = nn.Linear(4 * config.DModel, config.DModel);
            mlp_drop = nn.Dropout(config.Dropout);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            x = x + attn.forward(ln_1.forward(x));
            return x + mlp_drop.forward(mlp_proj.forward(F.gelu(mlp_fc.forward(ln_2.forward(x)))));
        }
    }

    private sealed class CausalSelfAttention : nn.Module<Tensor, Tensor>
    {
        private readonly Linear qkv;
        private readonly Linear proj;
        private readonly Dropout resid_drop;
        private readonly int heads;
        private readonly double dropout;

        public CausalSelfAttention(string name, TinyTransformerConfig config) : base(name)
        {
            qkv = nn.Linear(config.DModel, 3 * config.DModel);
            proj = nn.Linear(config.DModel, config.DModel);
            resid_drop = nn.Dropout(config.Dropout);
            heads = config.Heads;
            dropout = config.Dropout;
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            long b = x.shape[0], t = x.shape[1], d = x.shape[2];
            var parts = qkv.forward(x).split(d, dim: 2);
            // [B, T, D] -> [B, H, T, D/H]
            Tensor Heads(Tensor p) => p.view(b, t, heads, d / heads).transpose(1, 2);
            var y = F.scaled_dot_product_attention(
                Heads(parts[0]), Heads(parts[1]), Heads(parts[2]),
                p: training ? dropout : 0, is_casual: true);
            y = y.transpose(1, 2).contiguous().view(b, t, d);
            return resid_drop.forward(proj.forward(y));
        }
    }
}
