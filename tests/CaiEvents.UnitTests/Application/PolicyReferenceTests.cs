using CaiEvents.Application;
using CaiEvents.Application.Policies;

namespace CaiEvents.UnitTests.Application;

/// <summary>Policy references are checked before anything is opened; the errors keep the CLI's one-line texts.</summary>
public class PolicyReferenceTests
{
    [Fact]
    public void A_malformed_sft_run_id_names_the_option()
    {
        var e = Assert.Throws<UsageException>(() => PolicyReference.Validate("sft:not-a-run", "--policy"));
        Assert.Equal("--policy sft: run 'not-a-run' is not a valid id (expected a GUID)", e.Message);
    }

    [Theory]
    [InlineData("builtin:tiny")]
    [InlineData("hf:/models/policy")]
    [InlineData("sft:5b1c6a8e-8f43-4d0e-9a57-0d3b4f6f2a11")]
    public void Other_ids_and_well_formed_sft_references_pass(string modelId) => PolicyReference.Validate(modelId, "--reference");
}
