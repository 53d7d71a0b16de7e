using CaiEvents.Domain.Constitutions;
using CaiEvents.Domain.Sl;

namespace CaiEvents.UnitTests.Sl;

public class IdsAndSamplingTests
{
    [Fact]
    public void Name_based_ids_are_stable_version_5_and_distinct_per_name()
    {
        // RFC 4122 appendix-style check: uuid5(NAMESPACE_DNS, "python.org") = 886313e1-3b8a-5372-9b90-0c9aee199e5d
        var dns = Guid.Parse("6ba7b810-9dad-11d1-80b4-00c04fd430c8");
        Assert.Equal(Guid.Parse("886313e1-3b8a-5372-9b90-0c9aee199e5d"), DeterministicIds.Create(dns, "python.org"));
        var run = Guid.NewGuid();
        Assert.Equal(DeterministicIds.Sample(run, 3), DeterministicIds.Sample(run, 3));
        Assert.NotEqual(DeterministicIds.Sample(run, 3), DeterministicIds.Sample(run, 4));
        Assert.NotEqual(DeterministicIds.Step(run, "critique:1"), DeterministicIds.Step(run, "critique:2"));
    }

    [Fact]
    public void Seeds_depend_on_run_seed_sample_and_purpose_only()
    {
        var sample = Guid.NewGuid();
        Assert.Equal(Seeds.Derive(7, sample, "response"), Seeds.Derive(7, sample, "response"));
        Assert.NotEqual(Seeds.Derive(7, sample, "response"), Seeds.Derive(8, sample, "response"));
        Assert.NotEqual(Seeds.Derive(7, sample, "response"), Seeds.Derive(7, sample, "critique:1"));
        Assert.True(Seeds.Derive(7, sample, "x") >= 0);
    }

    [Fact]
    public void Item_seed_keys_depend_on_kind_and_position_only_not_on_the_run()
    {
        Assert.Equal(Seeds.SampleKey(3), Seeds.SampleKey(3));
        Assert.NotEqual(Seeds.SampleKey(3), Seeds.SampleKey(4));
        Assert.NotEqual(Seeds.SampleKey(3), Seeds.ComparisonKey(3));
        // Unlike the sample ids of two runs, which differ for the same position.
        Assert.NotEqual(DeterministicIds.Sample(Guid.NewGuid(), 3), DeterministicIds.Sample(Guid.NewGuid(), 3));
        Assert.Equal(Seeds.Derive(7, Seeds.SampleKey(3), "response"), Seeds.Derive(7, Seeds.SampleKey(3), "response"));
        Assert.NotEqual(Seeds.Derive(7, Seeds.SampleKey(3), "response"), Seeds.Derive(7, Seeds.ComparisonKey(3), "response"));
    }

    [Fact]
    public void Principle_choice_is_reproducible_and_covers_the_constitution()
    {
        var principles = ConstitutionLoader.LoadDefault().CritiqueRevision;
        var run = Guid.NewGuid();
        var chosen = Enumerable.Range(0, 400).Select(i => PrincipleSampler.Choose(principles, 42, DeterministicIds.Sample(run, i), 1).Id).ToList();
        var again = Enumerable.Range(0, 400).Select(i => PrincipleSampler.Choose(principles, 42, DeterministicIds.Sample(run, i), 1).Id).ToList();
        Assert.Equal(chosen, again);
        // 400 draws over ~16 principles: every principle shows up; none dominates.
        Assert.Equal(principles.Count, chosen.Distinct().Count());
        Assert.True(chosen.GroupBy(x => x).Max(g => g.Count()) < 400 / principles.Count * 3);
        var otherSeed = Enumerable.Range(0, 400).Select(i => PrincipleSampler.Choose(principles, 43, DeterministicIds.Sample(run, i), 1).Id).ToList();
        Assert.NotEqual(chosen, otherSeed);
    }

    [Fact]
    public void An_empty_principle_list_is_rejected() =>
        Assert.Throws<ArgumentException>(() => PrincipleSampler.Choose(Array.Empty<CritiqueRevisionPrinciple>(), 1, Guid.NewGuid(), 1));
}
