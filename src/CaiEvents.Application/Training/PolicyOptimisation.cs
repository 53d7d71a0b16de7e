using System.Globalization;
using CaiEvents.Application.Demo;
using CaiEvents.Application.Hosts;
using CaiEvents.Application.Jobs;
using CaiEvents.Application.Policies;
using CaiEvents.Contracts;
using CaiEvents.Contracts.Commands;
using CaiEvents.Contracts.Events;
using CaiEvents.Hosting;
using CaiEvents.Models;
using CaiEvents.Workers.Common;
using CaiEvents.Workers.PPOLearner;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CaiEvents.Application.Training;

/// <summary><c>cai ppo train</c> (also the PPO stage of <c>cai demo</c>): RL-CAI policy optimisation as a resumable PPOLearner job.</summary>
public static class PolicyOptimisation
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Resolves the policy (sft:RUN → its SL-CAI checkpoint), sends <see cref="TrainPolicy"/>, hosts the PPOLearner role when
    /// <paramref name="local"/>, follows the job to its final checkpoint.
    /// </summary>
    /// <param name="pm">Preference-model directory (hf:DIR accepted).</param>
    /// <param name="policy">Starting policy; null = sft:RUN.</param>
    /// <param name="output">Output directory; null = CAI_HOME/ppo/RUN.</param>
    public static async Task<PolicyCheckpointed> TrainAsync(Guid runId, string pm, string? policy, string? output, PpoHyperParameters hp,
        IReadOnlyDictionary<string, string> values, string rollouts, string rolloutMode, TransportKind kind, bool local, TimeSpan timeout,
        IConfiguration configuration, IPolicyOptimisationObserver observer, CancellationToken ct)
    {
        var pmDirectory = Path.GetFullPath(ModelIds.LocalDirectory(pm));
        if (local && !Models.Preference.RewardModel.Exists(pmDirectory))
            throw new UsageException(
                $"--pm: {pmDirectory} is not a preference-model checkpoint (no {LocalCheckpoint.WeightsFileName} or {Models.Lora.PeftAdapter.ConfigFileName})");

        await using var store = await EventStoreAccess.OpenAsync(configuration, ct);
        var policyModel = await PolicyReference.ResolveAsync(store, policy ?? ModelIds.SftScheme + runId, "--policy",
            " (run ./cai sft --run {0} --out DIR first, or pass --policy MODEL)", ct);
        if (local) DemoModelSetup.EnsureFor(policyModel, observer.DemoModel, ct);

        var outputDirectory = Path.GetFullPath(output ?? Path.Combine(CaiHome.Directory(configuration), "ppo", runId.ToString()));
        var jobId = PpoJob.JobId(runId, outputDirectory);
        await using (var query = store.QuerySession())
        {
            var first = (await query.Events.FetchStreamAsync(jobId, token: ct)).Select(e => e.Data).FirstOrDefault();
            if (first is PpoStarted old && (old.RunId != runId || old.PolicyModel != policyModel || old.HyperParameters != hp
                    || old.RolloutMode != rolloutMode || (local && old.PreferenceModelCheckpointHash != Models.Preference.RewardModel.FileSha256(pmDirectory))))
                throw new UsageException(
                    $"--out: {outputDirectory} already holds PPO job {jobId} (policy {old.PolicyModel}, pm {old.PreferenceModel}) with other settings; "
                    + "use another --out");
        }
        observer.Started(jobId, policyModel, pmDirectory, runId, rolloutMode);

        using var host = await RoleHost.StartAsync(local ? [WorkerRoles.PpoLearner] : [], kind, configuration, null, ct);
        var train = new TrainPolicy(jobId, runId, pmDirectory, hp.Steps, hp.Seed, values, policyModel, outputDirectory, rollouts);
        await host.Services.GetRequiredService<ISendEndpointProvider>().SendCommandAsync(train, ct);

        var final = await observer.WatchAsync(onStep => StreamFollower.FollowJobAsync(store, jobId,
            e => e is PpoFailed failed ? new Domain.InputException("ppo train", null, failed.Reason) : null,
            e => e is PolicyCheckpointed { Final: true } c ? c : null,
            e =>
            {
                if (e is PolicyUpdateCompleted update) onStep(update);
            },
            new FollowTiming(PollInterval, timeout),
            () => $"ppo: job {jobId} did not finish within {timeout.TotalSeconds} s (it continues; run the same command again to wait)", ct));
        await host.StopAsync(CancellationToken.None);
        return final;
    }

    /// <summary>The <see cref="TrainPolicy"/> hyper-parameter values the train options set (value lr = 2 × lr, no entropy bonus).</summary>
    public static Dictionary<string, string> HyperParameterValues(int rolloutsPerStep, int miniBatch, int epochs, double learningRate, double klCoef,
        double klTarget, double klHorizon, int maxNewTokens, int checkpointEvery)
    {
        string R(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        string I(int v) => v.ToString(CultureInfo.InvariantCulture);
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["rollouts_per_step"] = I(rolloutsPerStep), ["minibatch_size"] = I(miniBatch), ["ppo_epochs"] = I(epochs),
            ["lr"] = R(learningRate), ["value_lr"] = R(learningRate * 2), ["entropy_coef"] = "0", ["kl_coef"] = R(klCoef),
            ["kl_target"] = R(klTarget), ["kl_horizon"] = R(klHorizon), ["max_new_tokens"] = I(maxNewTokens),
            ["checkpoint_every"] = I(checkpointEvery),
        };
    }
}
