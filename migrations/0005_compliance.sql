-- Reserved for the compliance work; filled in before release.
SELECT 1;
