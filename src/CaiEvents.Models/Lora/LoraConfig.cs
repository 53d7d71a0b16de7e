namespace CaiEvents.Models.Lora;

/// <summary>
/// A LoRA adapter's shape: rank r, alpha (the update is scaled by alpha / r), dropout on the adapter's input, and the layer names it
/// wraps (a module matches when its last path segment is one of them, as PEFT matches a list of <c>target_modules</c>).
/// </summary>
public sealed record LoraConfig(int Rank, double Alpha, double Dropout, IReadOnlyList<string> TargetModules)
{
    /// <summary>The Llama family's linear layers: attention projections and the SwiGLU MLP.</summary>
    public static IReadOnlyList<string> LlamaTargets { get; } = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

    /// <summary>GPT-2's linear layers (HF's Conv1D): fused qkv, both output projections, the MLP input.</summary>
    public static IReadOnlyList<string> Gpt2Targets { get; } = ["c_attn", "c_proj", "c_fc"];

    /// <summary>alpha / r.</summary>
    public double Scale => Alpha / Rank;

    /// <summary>Every linear layer of <paramref name="network"/>'s family.</summary>
    public static IReadOnlyList<string> DefaultTargets(ICausalLanguageModel network) => network is Gpt2Model ? Gpt2Targets : LlamaTargets;

    /// <summary>The names a wrapped layer of <paramref name="network"/> may have.</summary>
    public static IReadOnlyList<string> KnownTargets(ICausalLanguageModel network) => DefaultTargets(network);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad value (rank, alpha, dropout, or a target this family lacks).</summary>
    public void Validate(ICausalLanguageModel network)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (Rank < 1) throw new ArgumentException($"LoRA rank must be at least 1, got {Rank}.");
        if (!(Alpha > 0) || double.IsInfinity(Alpha)) throw new ArgumentException($"LoRA alpha must be a positive number, got {Alpha}.");
        if (!(Dropout >= 0 && Dropout < 1)) throw new ArgumentException($"LoRA dropout must be in [0, 1), got {Dropout}.");
        if (TargetModules is null || TargetModules.Count == 0) throw new ArgumentException("LoRA needs at least one target module.");
        var known = KnownTargets(network);
        var unknown = TargetModules.FirstOrDefault(t => !known.Contains(t, StringComparer.Ordinal));
        if (unknown is not null)
        {
            throw new ArgumentException($"LoRA target '{unknown}' is not a linear layer of this model; known: {string.Join(",", known)}.");
        }
    }

    /// <summary>Equality by value, target list included (records compare lists by reference).</summary>
    public bool Equals(LoraConfig? other) => other is not null && Rank == other.Rank && Alpha.Equals(other.Alpha) && Dropout.Equals(other.Dropout)
        && TargetModules.SequenceEqual(other.TargetModules, StringComparer.Ordinal);

    public override int GetHashCode() => HashCode.Combine(Rank, Alpha, Dropout, string.Join(",", TargetModules));
}
