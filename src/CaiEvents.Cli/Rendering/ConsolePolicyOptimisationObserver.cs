using System.Text.Json;
using CaiEvents.Application.Demo;
using CaiEvents.Application.Training;
using CaiEvents.Contracts.Events;
using Spectre.Console;

namespace CaiEvents.Cli.Rendering;

/// <summary>
/// A PPO job: its id on stderr, then each step as a JSON line on stdout (<paramref name="asJson"/>), a line on stderr when it is
/// redirected, or a progress bar of <paramref name="steps"/> steps.
/// </summary>
internal sealed class ConsolePolicyOptimisationObserver(int steps, bool asJson) : IPolicyOptimisationObserver
{
    public IDemoModelTrainingObserver DemoModel { get; } = new ConsoleDemoModelTrainingObserver();

    public void Started(Guid jobId, string policyModel, string pmDirectory, Guid runId, string rolloutMode) =>
        Console.Error.WriteLine($"PPO job {jobId}: policy {policyModel}, pm {pmDirectory}, run {runId}, rollouts {rolloutMode}");

    public async Task<PolicyCheckpointed> WatchAsync(Func<Action<PolicyUpdateCompleted>, Task<PolicyCheckpointed>> follow)
    {
        if (asJson || Console.IsErrorRedirected)
        {
            return await follow(u =>
            {
                if (asJson) Console.WriteLine(JsonSerializer.Serialize(StepJson(u)));
                else Console.Error.WriteLine($"ppo: step {u.Step}/{steps} reward {u.MeanReward:0.000} kl {u.MeanKl:0.000} β {u.KlCoefficient:0.0000}");
            });
        }
        PolicyCheckpointed final = null!;
        await Cli.Err.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("ppo", maxValue: steps);
                final = await follow(u =>
                {
                    task.Value = u.Step;
                    task.Description = $"step {u.Step}: reward {u.MeanReward:0.000} kl {u.MeanKl:0.000}";
                });
                task.Value = steps;
            });
        return final;
    }

    private static object StepJson(PolicyUpdateCompleted u) => new
    {
        step = u.Step, mean_reward = u.MeanReward, mean_kl = u.MeanKl, kl_coef = u.KlCoefficient, clip_fraction = u.ClipFraction,
        value_loss = u.ValueLoss, policy_loss = u.PolicyLoss, entropy = u.Entropy, response_tokens = u.MeanResponseTokens,
        rollout_policy = u.RolloutPolicyHash,
    };
}
