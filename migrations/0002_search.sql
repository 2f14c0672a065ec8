-- Reserved for the search work; filled in before release.
SELECT 1;
