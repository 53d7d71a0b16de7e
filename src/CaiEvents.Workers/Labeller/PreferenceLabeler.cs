using CaiEvents.Contracts;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Constitutions;
using CaiEvents.Domain.Rl;
using CaiEvents.Models;
using CaiEvents.Workers.Common;

namespace CaiEvents.Workers.Labeller;

/// <summary>The label of one pair and every judgement behind it.</summary>
/// <param name="Served">What the server said about itself in the scoring responses (the last <c>system_fingerprint</c> given);
/// null for exact continuation scores and servers that say nothing.</param>
public sealed record PreferenceLabel(IReadOnlyList<FeedbackJudgement> Judgements, double AveragedProbabilityA, double ProbabilityA, bool Clamped,
    ServedModel? Served = null);

/// <summary>
/// One pair to label: its prompt, both responses, the chosen principles, (chain of thought only) its reasoning generator and the
/// few-shot examples prepended to each of its questions.
/// </summary>
public sealed record PreferencePair(string Prompt, string ResponseA, string ResponseB, IReadOnlyList<ComparisonPrinciple> Principles,
    PreferenceLabeler.Reason? Reason = null, IReadOnlyList<PlacedFeedbackExample>? Examples = null);

/// <summary>
/// AI feedback for one response pair, separated from messaging so it can be checked with any model: for each
/// principle and both option orders, score " (A)" and " (B)" after the question, normalise, map back to
/// response A, average; then clamp (chain of thought) or round (hard labels). A model with a chat template gets the
/// question as a user turn and the answer lead as the assistant's prefill (<see cref="RolePrompts.Feedback"/>).
/// Scores read from a server's top log-probabilities carry their evidence (<see cref="OptionEvidence"/>): each judgement
/// records the request sent, the top log-probs received and the A/B mass, unchanged (<see cref="OptionMassCheck"/> judges the mass).
/// </summary>
public static class PreferenceLabeler
{
    /// <summary>Writes the reasoning for one (principle, order) in chain-of-thought mode: (prompt, step name) → text.</summary>
    public delegate Task<string> Reason(string reasoningPrompt, string stepName, CancellationToken ct);

    public static async Task<PreferenceLabel> LabelAsync(ITextModel model, string prompt, string responseA, string responseB,
        IReadOnlyList<ComparisonPrinciple> principles, LabelMode mode, double clampLow, double clampHigh, Reason? reason, CancellationToken ct,
        IReadOnlyList<PlacedFeedbackExample>? examples = null)
    {
        var judgements = new List<FeedbackJudgement>();
        ServedModel? served = null;
        foreach (var (principle, swapped) in Orders(principles))
        {
            var (first, second) = swapped ? (responseB, responseA) : (responseA, responseB);
            string question;
            string? reasoning = null;
            if (mode == LabelMode.ChainOfThought)
            {
                if (reason is null) throw new ArgumentException("chain-of-thought labels need a reasoning generator", nameof(reason));
                var reasoningPrompt = RolePrompts.FeedbackReasoning(model.ChatTemplate, prompt, principle.Question, first, second, examples);
                reasoning = await reason(reasoningPrompt, $"reasoning:{principle.Id}:{OrderName(swapped)}", ct);
                question = FeedbackPrompt.RenderAfterReasoning(reasoningPrompt, reasoning);
            }
            else
            {
                question = RolePrompts.Feedback(model.ChatTemplate, prompt, principle.Question, first, second, examples);
            }
            var scores = await model.ScoreAsync(question, [FeedbackPrompt.OptionA, FeedbackPrompt.OptionB], ct);
            judgements.Add(Judge(principle, swapped, question, reasoning, scores));
            served = ServedBy(scores) ?? served;
        }
        return Finish(judgements, mode, clampLow, clampHigh, served);
    }

    /// <summary>
    /// Labels many pairs; result [i] equals <see cref="LabelAsync"/> for pairs[i]. Soft and hard labels render all
    /// 2K questions of all pairs and score them in one <see cref="ITextModel.ScoreManyAsync"/> call; chain-of-thought
    /// labels (each needs its reasoning generated first) go pair by pair.
    /// </summary>
    public static async Task<IReadOnlyList<PreferenceLabel>> LabelManyAsync(ITextModel model, IReadOnlyList<PreferencePair> pairs,
        LabelMode mode, double clampLow, double clampHigh, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        if (mode == LabelMode.ChainOfThought)
        {
            var labels = new List<PreferenceLabel>(pairs.Count);
            foreach (var pair in pairs)
            {
                labels.Add(await LabelAsync(model, pair.Prompt, pair.ResponseA, pair.ResponseB, pair.Principles, mode, clampLow, clampHigh, pair.Reason, ct,
                    pair.Examples));
            }
            return labels;
        }

        var questions = pairs.Select(pair => Orders(pair.Principles).Select(o =>
        {
            var (first, second) = o.Swapped ? (pair.ResponseB, pair.ResponseA) : (pair.ResponseA, pair.ResponseB);
            return (o.Principle, o.Swapped, Question: RolePrompts.Feedback(model.ChatTemplate, pair.Prompt, o.Principle.Question, first, second,
                pair.Examples));
        }).ToList()).ToList();
        IReadOnlyList<string> options = [FeedbackPrompt.OptionA, FeedbackPrompt.OptionB];
        var scores = await model.ScoreManyAsync(questions.SelectMany(q => q).Select(q => (q.Question, options)).ToList(), ct);
        var next = 0;
        return questions.Select(pairQuestions =>
        {
            var pairScores = pairQuestions.Select(_ => scores[next++]).ToList();
            return Finish(pairQuestions.Select((q, i) => Judge(q.Principle, q.Swapped, q.Question, null, pairScores[i])).ToList(),
                mode, clampLow, clampHigh, pairScores.Select(ServedBy).LastOrDefault(s => s is not null));
        }).ToList();
    }

    /// <summary>Every (principle, order) judged for a pair, in the order judgements are recorded.</summary>
    private static IEnumerable<(ComparisonPrinciple Principle, bool Swapped)> Orders(IReadOnlyList<ComparisonPrinciple> principles) =>
        principles.SelectMany(p => new[] { (p, false), (p, true) });

    private static string OrderName(bool swapped) => swapped ? "BA" : "AB";

    private static FeedbackJudgement Judge(ComparisonPrinciple principle, bool swapped, string question, string? reasoning,
        IReadOnlyList<ContinuationScore> scores)
    {
        var pFirst = PreferenceLabelMath.Normalise(scores[0].TotalLogProb, scores[1].TotalLogProb);
        var evidence = EvidenceOf(scores);
        return new FeedbackJudgement(principle.Id, OrderName(swapped), question, reasoning, scores[0].TotalLogProb, scores[1].TotalLogProb,
            pFirst, PreferenceLabelMath.ProbabilityOfA(pFirst, swapped), evidence?.TopLogProbs, evidence?.OptionMass, evidence?.SentRequest);
    }

    /// <summary>The evidence of one scoring call (the same instance on every option); null for exact scores.</summary>
    private static OptionEvidence? EvidenceOf(IReadOnlyList<ContinuationScore> scores) => scores.Select(s => s.Evidence).FirstOrDefault(e => e is not null);

    private static ServedModel? ServedBy(IReadOnlyList<ContinuationScore> scores) => EvidenceOf(scores)?.Served;

    private static PreferenceLabel Finish(List<FeedbackJudgement> judgements, LabelMode mode, double clampLow, double clampHigh, ServedModel? served)
    {
        var averaged = PreferenceLabelMath.Average(judgements.Select(j => j.ProbabilityA).ToList());
        var final = mode switch
        {
            LabelMode.ChainOfThought => PreferenceLabelMath.Clamp(averaged, clampLow, clampHigh),
            LabelMode.Hard => PreferenceLabelMath.Hard(averaged),
            _ => averaged,
        };
        return new PreferenceLabel(judgements, averaged, final, mode == LabelMode.ChainOfThought && final != averaged, served);
    }
}
