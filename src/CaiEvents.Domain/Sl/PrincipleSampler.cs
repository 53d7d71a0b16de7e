namespace CaiEvents.Domain.Sl;

/// <summary>Chooses one principle per critique round from a seeded RNG; the choice is recorded in the event.</summary>
public static class PrincipleSampler
{
    public const string Purpose = "principle";

    public static T Choose<T>(IReadOnlyList<T> principles, long runSeed, Guid itemKey, int round)
    {
        if (principles.Count == 0) throw new ArgumentException("The constitution has no principles to choose from.", nameof(principles));
        var seed = Seeds.Derive(runSeed, itemKey, $"{Purpose}:{round}");
        return principles[new Random(Seeds.ToInt32(seed)).Next(principles.Count)];
    }

    /// <summary><paramref name="count"/> distinct principles (an ensemble), in a seeded order; all of them when there are fewer.</summary>
    public static IReadOnlyList<T> ChooseDistinct<T>(IReadOnlyList<T> principles, int count, long runSeed, Guid itemId, string purpose)
    {
        if (principles.Count == 0) throw new ArgumentException("The constitution has no principles to choose from.", nameof(principles));
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), "at least one principle is needed");
        var order = principles.ToArray();
        new Random(Seeds.ToInt32(Seeds.Derive(runSeed, itemId, $"{Purpose}:{purpose}"))).Shuffle(order);
        return order.Take(count).ToList();
    }
}
