using CaiEvents.Contracts;
using CaiEvents.Contracts.Commands;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Sl;
using CaiEvents.Models;
using CaiEvents.Models.Preference;
using Marten;
using MassTransit;
using Microsoft.Extensions.Options;

namespace CaiEvents.Workers.PPOLearner;

/// <summary>
/// Rollouts from Generator workers (in any process) over the bus: the learner writes the current policy to
/// <c>OUT/rollout-policy/HASH</c> (a directory the workers must be able to read: a shared disk), sends one
/// <see cref="GenerateRollouts"/> per step with a request id that is a function of (job, step, policy hash), and waits
/// for stream RequestId's <see cref="RolloutsGenerated"/>. A resumed step whose answer is already stored is not asked
/// again; an unanswered request is sent again after <see cref="PPOLearnerOptions.RolloutTimeoutSeconds"/> (the consumer
/// ignores duplicates). The answer must name the hash of the policy the learner sent, or the step fails.
/// </summary>
public sealed class WorkerRollouts(IDocumentStore store, ISendEndpointProvider send, IOptions<PPOLearnerOptions> options) : IRolloutGenerator
{
    public const string PolicyDirectoryName = "rollout-policy";

    public static Guid RequestId(Guid jobId, int step, string policyHash) => DeterministicIds.Create(jobId, $"rollouts:{step}:{policyHash}");

    public async Task<IReadOnlyList<RolloutSample>> GenerateAsync(Gpt2TextModel policy, string policyHash, Guid jobId, int step,
        IReadOnlyList<RolloutPrompt> prompts, SamplingParameters sampling, string outputDirectory, CancellationToken ct)
    {
        var requestId = RequestId(jobId, step, policyHash);
        var answer = await AnswerAsync(requestId, ct);
        if (answer is null)
        {
            var directory = await PublishPolicyAsync(policy, policyHash, outputDirectory, ct);
            var command = new GenerateRollouts(requestId, jobId, step, directory, policyHash,
                prompts.Select((p, row) => new RolloutPromptSpec(row, p.RenderedPrompt, p.Seed)).ToList(),
                sampling.Temperature, sampling.TopP, sampling.TopK, sampling.MaxNewTokens, sampling.StopSequences ?? []);
            var endpoint = await send.GetSendEndpoint(CommandQueues.AddressFor(command));
            while (answer is null)
            {
                await endpoint.Send(command, ct);
                var deadline = DateTime.UtcNow.AddSeconds(Math.Max(1, options.Value.RolloutTimeoutSeconds));
                while (answer is null && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(200, ct);
                    answer = await AnswerAsync(requestId, ct);
                }
            }
        }
        if (answer.PolicySha256 != policyHash)
            throw new InvalidOperationException($"job {jobId} step {step}: the rollouts were sampled from weights {answer.PolicySha256}, not the policy {policyHash}");
        if (answer.Rollouts.Count != prompts.Count || answer.Rollouts.Select(r => r.Row).Order().Where((r, i) => r != i).Any())
            throw new InvalidOperationException($"job {jobId} step {step}: {answer.Rollouts.Count} rollouts answered for {prompts.Count} prompts");
        return answer.Rollouts.OrderBy(r => r.Row).Select(r => new RolloutSample(prompts[r.Row].Index, r.PromptIds, r.ResponseIds, r.Text)).ToList();
    }

    private async Task<RolloutsGenerated?> AnswerAsync(Guid requestId, CancellationToken ct)
    {
        await using var query = store.QuerySession();
        return (await query.Events.FetchStreamAsync(requestId, token: ct)).Select(e => e.Data).OfType<RolloutsGenerated>().FirstOrDefault();
    }

    /// <summary>Writes the policy's weights once per hash (renamed into place) and removes older ones of this job.</summary>
    private static async Task<string> PublishPolicyAsync(Gpt2TextModel policy, string policyHash, string outputDirectory, CancellationToken ct)
    {
        var root = Path.Combine(outputDirectory, PolicyDirectoryName);
        var directory = Path.Combine(root, policyHash);
        if (!Directory.Exists(directory))
        {
            var staging = directory + $".tmp-{Environment.ProcessId}";
            await TorchThread.RunAsync(() =>
            {
                if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
                Gpt2Checkpoint.Save(policy.Module, policy.Tokenizer, staging);
                return true;
            }, ct);
            var sha = RewardModel.FileSha256(staging);
            if (sha != policyHash) throw new InvalidOperationException($"policy written to {staging} hashes to {sha}, the weights to {policyHash}");
            Directory.Move(staging, directory);
        }
        foreach (var old in Directory.EnumerateDirectories(root).Where(d => d != directory && !d.Contains(".tmp-", StringComparison.Ordinal)))
        {
            try { Directory.Delete(old, recursive: true); }
            catch (IOException) { } // a worker may still be reading it; the next step retries
        }
        return directory;
    }
}
