using System.CommandLine;
using CaiEvents.Application.Demo;

namespace CaiEvents.Cli.Options;

/// <summary>The options of <c>cai demo</c> beyond the run's: which stages, on which run, with which RL settings.</summary>
internal sealed class DemoOptions
{
    public readonly Option<string> StagesOption = new("--stages")
    {
        Description = "sl (the SL run and its dataset only: the old demo), rl (SL-CAI, preference model, PPO and eval on an existing --run with SL "
                      + "examples and labels) or all",
        DefaultValueFactory = _ => "all",
    };

    public readonly Option<int> SftEpochs = new("--sft-epochs") { Description = "Epochs of SL-CAI fine-tuning", DefaultValueFactory = _ => 2 };
    public readonly Option<int> PmEpochs = new("--pm-epochs") { Description = "Preference-model epochs on the run's labels", DefaultValueFactory = _ => 3 };
    public readonly Option<int> PpoSteps = new("--ppo-steps") { Description = "PPO steps", DefaultValueFactory = _ => 20 };
    public readonly Option<int> RolloutsPerStep = new("--rollouts-per-step") { Description = "PPO rollouts per step", DefaultValueFactory = _ => 32 };

    public readonly Option<int> EvalSamples = new("--eval-samples")
    {
        Description = "Samples per prompt in the start-vs-final evaluation", DefaultValueFactory = _ => 2,
    };

    public readonly Option<string?> Run = new("--run")
    {
        Description = "With --stages rl: the run (with SL examples and AI labels, e.g. an earlier demo's) the RL stages start from",
    };

    public readonly Option<bool> Json = new("--json")
    {
        Description = "With --stages all: print the artefacts as one JSON object instead of one path per line",
    };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { StagesOption, Run, SftEpochs, PmEpochs, PpoSteps, RolloutsPerStep, EvalSamples, Json })
            command.Options.Add(option);
    }

    public DemoStages ReadStages(ParseResult parse) => parse.GetValue(StagesOption)!.ToLowerInvariant() switch
    {
        "sl" => DemoStages.Sl,
        "rl" => DemoStages.Rl,
        "all" => DemoStages.All,
        var other => throw new UsageException($"--stages: '{other}' is not one of sl, rl, all"),
    };

    public DemoSettings Read(ParseResult parse)
    {
        static int AtLeast(int value, int min, string name) =>
            value >= min ? value : throw new UsageException($"{name}: must be ≥ {min}, got {value}");
        return new DemoSettings(AtLeast(parse.GetValue(SftEpochs), 1, "--sft-epochs"), AtLeast(parse.GetValue(PmEpochs), 1, "--pm-epochs"),
            AtLeast(parse.GetValue(PpoSteps), 1, "--ppo-steps"), AtLeast(parse.GetValue(RolloutsPerStep), 1, "--rollouts-per-step"),
            AtLeast(parse.GetValue(EvalSamples), 1, "--eval-samples"));
    }
}
