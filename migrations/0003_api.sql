-- Reserved for the api work; filled in before release.
SELECT 1;
