using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace CaiEvents.Models.Lora;

/// <summary>
/// A linear layer <c>y = W x + b</c> that can carry a LoRA adapter: <c>y = W x + b + (alpha / r) · B(A(dropout(x)))</c>, A [r, in],
/// B [out, r]. Without an adapter its parameters and their names (<c>weight</c>, <c>bias</c>) are those of
/// <see cref="nn.Linear(long, long, bool, Device?, ScalarType?)"/>,
/// so checkpoints load, save and hash as before; an attached adapter adds <c>lora_A.weight</c> and <c>lora_B.weight</c>.
/// </summary>
public sealed class LoraLinear : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "weight")]
    private Parameter weight;

    [ComponentName(Name = "bias")]
    private Parameter? bias;

    private Linear? lora_A;
    private Linear? lora_B;
    private double dropout;
    private bool merged;

    /// <summary>Initialised exactly as <c>nn.Linear</c> (same draws from the global generator), so untouched models keep their weights.</summary>
    public LoraLinear(string name, long inFeatures, long outFeatures, bool hasBias = true, Device? device = null, ScalarType? dtype = null) : base(name)
    {
        using (var initial = nn.Linear(inFeatures, outFeatures, hasBias, device, dtype))
        {
            weight = new Parameter(initial.weight!.detach());
            bias = initial.bias is { } b ? new Parameter(b.detach()) : null;
        }
        register_parameter(nameof(weight), weight);
        if (bias is not null)
        {
            register_parameter(nameof(bias), bias);
        }
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
    }

    public long InFeatures { get; }

    public long OutFeatures { get; }

    /// <summary>The base weight [out, in] (the registered parameter).</summary>
    public Parameter Weight => weight;

    /// <summary>alpha / r of the attached adapter; 0 without one.</summary>
    public double Scale { get; private set; }

    public bool HasAdapter => lora_A is not null;

    /// <summary>False switches the adapter off (the base layer alone), e.g. for PPO's reference policy.</summary>
    public bool AdapterEnabled { get; set; } = true;

    /// <summary>A [r, in] (PEFT's <c>lora_A</c>); null without an adapter.</summary>
    public Parameter? LoraA => lora_A?.weight;

    /// <summary>B [out, r] (PEFT's <c>lora_B</c>); null without an adapter.</summary>
    public Parameter? LoraB => lora_B?.weight;

    /// <summary>
    /// Attaches a rank-<paramref name="rank"/> adapter on the base weight's device and dtype: A Kaiming-uniform (a = √5, PEFT's default,
    /// i.e. uniform(−1/√in, 1/√in)) drawn from <paramref name="generator"/>, B zero, so the layer's output does not change until B trains.
    /// </summary>
    public void AttachAdapter(int rank, double alpha, double dropoutRate, Generator generator)
    {
        if (HasAdapter) throw new InvalidOperationException("This layer already carries an adapter.");
        ArgumentOutOfRangeException.ThrowIfLessThan(rank, 1);
        var a = nn.Linear(InFeatures, rank, hasBias: false, weight.device, weight.dtype);
        var b = nn.Linear(rank, OutFeatures, hasBias: false, weight.device, weight.dtype);
        using (no_grad())
        {
            var bound = 1.0 / Math.Sqrt(InFeatures);
            a.weight!.uniform_(-bound, bound, generator);
            b.weight!.zero_();
        }
        lora_A = a;
        lora_B = b;
        register_module(nameof(lora_A), a);
        register_module(nameof(lora_B), b);
        Scale = alpha / rank;
        dropout = dropoutRate;
    }

    /// <summary>
    /// Folds the adapter into the base weight (W += scale · B A) and switches it off for good: the layer computes the same function,
    /// and the base weight alone now holds it (a merged checkpoint saves just that).
    /// </summary>
    public void MergeAdapter()
    {
        if (lora_A is null || lora_B is null || merged) return;
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            weight.add_(lora_B.weight!.matmul(lora_A.weight!), alpha: Scale);
        }
        merged = true;
    }

    public override Tensor forward(Tensor x)
    {
        if (lora_A is null || lora_B is null || !AdapterEnabled || merged)
        {
            return F.linear(x, weight, bias);
        }
        using var scope = NewDisposeScope();
        var input = training && dropout > 0 ? F.dropout(x, dropout, training: true) : x;
        var update = lora_B.forward(lora_A.forward(input));
        return F.linear(x, weight, bias).add(update, alpha: Scale).MoveToOuterDisposeScope();
    }
}
