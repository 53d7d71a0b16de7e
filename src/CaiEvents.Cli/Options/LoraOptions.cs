using System.CommandLine;
using CaiEvents.Application;
using CaiEvents.Contracts.Events;
using CaiEvents.Workers.Common.Jobs;

namespace CaiEvents.Cli.Options;

/// <summary>The <c>--lora-rank/--lora-alpha/--lora-dropout/--lora-targets</c> options of a training command; without a rank, full fine-tuning.</summary>
internal sealed class LoraOptions
{
    private readonly Option<int?> rank = new("--lora-rank")
    {
        Description = "Train rank-r LoRA adapters only (base weights frozen); the checkpoints are PEFT adapter directories",
    };

    private readonly Option<double?> alpha = new("--lora-alpha") { Description = "LoRA alpha: the update is scaled by alpha / rank (default 16)" };

    private readonly Option<double?> dropout = new("--lora-dropout") { Description = "Dropout on the adapters' input while training (default 0)" };

    private readonly Option<string?> targets = new("--lora-targets")
    {
        Description = "Comma-separated layers to adapt (default: all linear layers: q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj "
            + "or GPT-2's c_attn,c_proj,c_fc)",
    };

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(rank);
        command.Options.Add(alpha);
        command.Options.Add(dropout);
        command.Options.Add(targets);
    }

    /// <summary>The settings, or null for full fine-tuning.</summary>
    /// <exception cref="UsageException">A LoRA option without <c>--lora-rank</c>.</exception>
    public LoraHyperParameters? Parse(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        if (parse.GetValue(rank) is not { } r)
        {
            var stray = new (string Name, bool Given)[]
            {
                ("--lora-alpha", parse.GetValue(alpha) is not null), ("--lora-dropout", parse.GetValue(dropout) is not null),
                ("--lora-targets", parse.GetValue(targets) is not null),
            }.FirstOrDefault(o => o.Given);
            return stray.Name is null ? null : throw new UsageException($"{stray.Name} needs --lora-rank");
        }
        return new LoraHyperParameters(r, parse.GetValue(alpha) ?? 16, parse.GetValue(dropout) ?? 0, parse.GetValue(targets));
    }

    /// <summary>
    /// Adds the <c>lora_*</c> hyper-parameter values of a preference-model or PPO command (<see cref="LoraTraining.Values"/>) when LoRA is
    /// asked for; a bad value is a <see cref="UsageException"/> naming its option, before anything is sent.
    /// </summary>
    public void AddChanged(ParseResult parse, IDictionary<string, string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (Parse(parse) is not { } lora) return;
        if (lora.Rank < 1) throw new UsageException($"--lora-rank: must be at least 1, got {lora.Rank}");
        if (!(lora.Alpha > 0) || double.IsInfinity(lora.Alpha)) throw new UsageException($"--lora-alpha: must be a positive number, got {lora.Alpha}");
        if (!(lora.Dropout >= 0 && lora.Dropout < 1)) throw new UsageException($"--lora-dropout: must be in [0, 1), got {lora.Dropout}");
        foreach (var (key, value) in LoraTraining.Values(lora)) values[key] = value;
    }
}
