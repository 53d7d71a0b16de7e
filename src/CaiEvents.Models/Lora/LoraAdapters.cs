using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CaiEvents.Models.Lora;

/// <summary>
/// The LoRA adapters attached to one network: every <see cref="LoraLinear"/> whose layer name is a target carries one, and every base
/// weight is frozen (<c>requires_grad = false</c>), so a trainer that optimises the parameters needing gradients trains the adapters alone.
/// </summary>
public sealed class LoraAdapters
{
    private readonly IReadOnlyList<(string Path, LoraLinear Layer)> layers;

    private LoraAdapters(ICausalLanguageModel network, LoraConfig config, IReadOnlyList<(string Path, LoraLinear Layer)> layers)
    {
        Network = network;
        Config = config;
        this.layers = layers;
    }

    public ICausalLanguageModel Network { get; }

    public LoraConfig Config { get; }

    /// <summary>The wrapped layers by module path (e.g. <c>model.layers.0.self_attn.q_proj</c>), in module order.</summary>
    public IReadOnlyList<string> LayerPaths => [.. layers.Select(l => l.Path)];

    /// <summary>
    /// Attaches adapters of <paramref name="config"/> to <paramref name="network"/> and freezes its base weights. The A matrices are drawn
    /// from <paramref name="seed"/> alone, layer by layer in module order; B starts at zero, so the network's outputs do not change.
    /// </summary>
    /// <exception cref="ArgumentException">A bad config, a network that already carries adapters, or one with no target layer.</exception>
    public static LoraAdapters Attach(ICausalLanguageModel network, LoraConfig config, long seed)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(config);
        config.Validate(network);
        var module = network as nn.Module ?? throw new ArgumentException("The network must be an nn.Module.", nameof(network));
        var targets = config.TargetModules.ToHashSet(StringComparer.Ordinal);
        var found = module.named_modules()
            .Where(m => m.module is LoraLinear && targets.Contains(LoraNames.LayerName(m.name)))
            .Select(m => (Path: m.name, Layer: (LoraLinear)m.module)).ToList();
        if (found.Count == 0) throw new ArgumentException($"No layer named {string.Join(",", config.TargetModules)} in this model.", nameof(config));
        if (found.Any(l => l.Layer.HasAdapter)) throw new ArgumentException("The network already carries LoRA adapters.", nameof(network));
        foreach (var parameter in network.parameters())
        {
            parameter.requires_grad = false;
        }
        using var generator = new Generator(unchecked((ulong)seed));
        foreach (var (_, layer) in found)
        {
            layer.AttachAdapter(config.Rank, config.Alpha, config.Dropout, generator);
        }
        return new LoraAdapters(network, config, found);
    }

    /// <summary>The adapter weights (A then B of each layer), the parameters a LoRA run trains.</summary>
    public IReadOnlyList<Parameter> Parameters => [.. layers.SelectMany(l => new[] { l.Layer.LoraA!, l.Layer.LoraB! })];

    /// <summary>False runs the base network alone (PPO's reference policy without a second copy); true by default.</summary>
    public bool Enabled
    {
        get => layers[0].Layer.AdapterEnabled;
        set
        {
            foreach (var (_, layer) in layers)
            {
                layer.AdapterEnabled = value;
            }
        }
    }

    /// <summary>
    /// Switches the adapters off until the returned scope is disposed (then back to what they were): the base network alone, e.g. PPO's
    /// frozen reference policy computed by the policy's own weights, without a second copy.
    /// </summary>
    public IDisposable Disable()
    {
        var was = Enabled;
        Enabled = false;
        return new EnabledRestorer(this, was);
    }

    private sealed class EnabledRestorer(LoraAdapters adapters, bool enabled) : IDisposable
    {
        public void Dispose() => adapters.Enabled = enabled;
    }

    /// <summary>The adapter tensors under PEFT's keys (detached views, in the caller's dispose scope).</summary>
    public Dictionary<string, Tensor> PeftTensors()
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (path, layer) in layers)
        {
            result[LoraNames.PeftKey(Network, $"{path}.{LoraNames.LoraA}.weight")] = layer.LoraA!.detach();
            result[LoraNames.PeftKey(Network, $"{path}.{LoraNames.LoraB}.weight")] = layer.LoraB!.detach();
        }
        return result;
    }

    /// <summary>Copies PEFT-keyed adapter tensors into the adapters; every adapter tensor must be there with its shape, nothing else.</summary>
    /// <param name="path">Names the file in error messages.</param>
    /// <exception cref="CheckpointFormatException">A missing, mis-shaped, non-float or unexpected tensor.</exception>
    public void Load(IReadOnlyDictionary<string, Tensor> tensors, string path)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var remaining = new HashSet<string>(tensors.Keys, StringComparer.Ordinal);
        using var noGrad = no_grad();
        foreach (var (layerPath, layer) in layers)
        {
            foreach (var (suffix, parameter) in new[] { (LoraNames.LoraA, layer.LoraA!), (LoraNames.LoraB, layer.LoraB!) })
            {
                var key = LoraNames.PeftKey(Network, $"{layerPath}.{suffix}.weight");
                if (!tensors.TryGetValue(key, out var source)) throw new CheckpointFormatException(path, key, "missing from the adapter");
                if (!source.shape.SequenceEqual(parameter.shape))
                {
                    throw new CheckpointFormatException(path, key,
                        $"shape [{string.Join(", ", source.shape)}] does not match the adapter's [{string.Join(", ", parameter.shape)}]");
                }
                if (!source.is_floating_point()) throw new CheckpointFormatException(path, key, $"dtype {source.dtype} is not a floating-point type");
                using var scope = NewDisposeScope();
                parameter.copy_(source);
                remaining.Remove(key);
            }
        }
        if (remaining.Count > 0)
        {
            throw new CheckpointFormatException(path, remaining.Order(StringComparer.Ordinal).First(), "unexpected tensor: not a weight of this adapter");
        }
    }

    /// <summary>Folds every adapter into its base weight (W += alpha/r · B A); afterwards the base weights alone compute the adapted model.</summary>
    public void Merge()
    {
        foreach (var (_, layer) in layers)
        {
            layer.MergeAdapter();
        }
    }
}
